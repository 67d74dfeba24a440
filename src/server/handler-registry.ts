import { assert } from '../common/index.js';
import { API_BY_KEY } from '../protocol/index.js';
import type { ApiVersionsResponseApiVersion } from '../protocol/index.js';
import type { ApiHandler } from './handler.js';

/**
 * The handlers a server runs, by api key. Each handler's range is intersected with the schema's
 * (a handler cannot implement a version the codec cannot read); what ApiVersions advertises is
 * exactly the result, so a client never picks a version we would reject.
 */
export class HandlerRegistry {
  private readonly byKey = new Map<number, { handler: ApiHandler; min: number; max: number }>();
  readonly apiVersions: readonly ApiVersionsResponseApiVersion[];

  constructor(handlers: readonly ApiHandler[]) {
    for (const h of handlers) {
      const api = API_BY_KEY.get(h.apiKey);
      assert(api !== undefined, `handler for unknown api key ${h.apiKey}`);
      assert(h.request === api.request && h.response === api.response, `handler for ${api.name} uses another API's schemas`);
      assert(!this.byKey.has(h.apiKey), `two handlers for ${api.name}`);
      const min = Math.max(h.minVersion, api.request.minVersion);
      const max = Math.min(h.maxVersion, api.request.maxVersion, api.response.maxVersion);
      assert(Number.isInteger(min) && Number.isInteger(max) && min <= max, `${api.name} handler versions ${h.minVersion}-${h.maxVersion} are outside the schema's`);
      this.byKey.set(h.apiKey, { handler: h, min, max });
    }
    this.apiVersions = Object.freeze(
      [...this.byKey.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([apiKey, e]) => Object.freeze({ apiKey, minVersion: e.min, maxVersion: e.max })),
    );
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.byKey.get(apiKey)?.handler;
  }

  supports(apiKey: number, version: number): boolean {
    const e = this.byKey.get(apiKey);
    return e !== undefined && version >= e.min && version <= e.max;
  }

  /** The advertised range of one API, if registered. */
  range(apiKey: number): ApiVersionsResponseApiVersion | undefined {
    return this.apiVersions.find((v) => v.apiKey === apiKey);
  }
}
