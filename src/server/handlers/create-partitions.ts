import { ErrorCode } from '../../common/index.js';
import { CreatePartitionsRequest, CreatePartitionsResponse, type CreatePartitionsResponseCreatePartitionsTopicResult } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { controllerContext } from './admin-support.js';

/**
 * CreatePartitions v0-3 (Kafka's ControllerApis.createPartitions): a topic named twice is answered
 * INVALID_REQUEST ("Duplicate topic name.") and left alone; the controller validates and applies
 * the rest (counts, assignments, validate_only).
 */
export function createCreatePartitionsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: CreatePartitionsRequest.apiKey,
    request: CreatePartitionsRequest,
    response: CreatePartitionsResponse,
    minVersion: 0,
    maxVersion: 3,
    async handle(request, ctx) {
      const counts = new Map<string, number>();
      for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
      for (const [name, count] of counts) {
        if (count > 1) results.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
      }
      const topics = request.topics.filter((t) => counts.get(t.name) === 1);
      if (topics.length > 0) {
        const context = controllerContext(broker, request.timeoutMs, ctx.apiVersion);
        results.push(...(await broker.controller.createPartitions(context, topics, request.validateOnly)));
      }
      return CreatePartitionsResponse.create({ throttleTimeMs: 0, results });
    },
  });
}
