import { ErrorCode, type Logger } from '../common/index.js';
import type { BrokerConfig } from '../config/index.js';
import type { ApiError } from './controller-api.js';
import type { MetadataImage } from './image.js';
import type { ApiMessageAndVersion } from './records.js';

/** What a controller command produces: records to append atomically, and the answer once committed. */
export interface ControllerResult<T> {
  readonly records: readonly ApiMessageAndVersion[];
  readonly response: T;
}

/** What the control managers read: the controller's latest state (committed plus its own uncommitted writes). */
export interface ControllerView {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The controller's static configuration (num.partitions, default.replication.factor, ...). */
  readonly config: BrokerConfig;
  readonly logger: Logger;
  latest(): MetadataImage;
}

export type ErrorName = keyof typeof ErrorCode;

export function apiError(name: ErrorName, message: string | null = null): ApiError {
  return { errorCode: ErrorCode[name], errorMessage: message };
}

/** A command that failed validation: thrown inside a manager, turned into its ApiError by the caller. */
export class ControllerApiException extends Error {
  readonly error: ApiError;
  constructor(name: ErrorName, message: string | null = null) {
    super(message ?? name);
    this.error = apiError(name, message);
  }
}
