import type { ApiHandler } from '../handler.js';
import { apiVersionsHandler } from './api-versions.js';

export { apiVersionsHandler };

/** Every handler written so far; a broker registers these. */
export const ALL_HANDLERS: readonly ApiHandler[] = Object.freeze([apiVersionsHandler]);
