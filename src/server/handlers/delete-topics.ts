import { ErrorCode, ZERO_UUID } from '../../common/index.js';
import type { ApiError } from '../../metadata/index.js';
import { DeleteTopicsRequest, DeleteTopicsResponse, type DeleteTopicsResponseDeletableTopicResult } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import { controllerContext } from './admin-support.js';

/** Before v3 Kafka had no TOPIC_DELETION_DISABLED error and answered INVALID_REQUEST. */
const TOPIC_DELETION_DISABLED_VERSION = 3;

/**
 * DeleteTopics v0-6 (Kafka's ControllerApis.deleteTopics): topics by name (all versions) or, from
 * v6, by id — never both in one entry (INVALID_REQUEST), never twice (INVALID_REQUEST, also when a
 * name maps to an id already given). Unknown names get UNKNOWN_TOPIC_OR_PARTITION, unknown ids
 * UNKNOWN_TOPIC_ID; the rest are deleted by id through the controller. With delete.topic.enable
 * off every topic gets TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3). Kafka shuffles the
 * results; here they come in a stable order (errors found first, then deletions).
 */
export function createDeleteTopicsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DeleteTopicsRequest.apiKey,
    request: DeleteTopicsRequest,
    response: DeleteTopicsResponse,
    minVersion: 0,
    maxVersion: 6,
    async handle(request, ctx) {
      const version = ctx.apiVersion;
      const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
      const add = (name: string | null, topicId: string, error: ApiError): void => {
        responses.push({ name, topicId, errorCode: error.errorCode, errorMessage: error.errorMessage });
      };
      const entries: Array<{ name: string | null; topicId: string }> =
        version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
      if (broker.config().get('delete.topic.enable') !== true) {
        const code = version < TOPIC_DELETION_DISABLED_VERSION ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
        for (const e of entries) add(e.name, e.topicId, { errorCode: code, errorMessage: 'Topic deletion is disabled.' });
        return DeleteTopicsResponse.create({ throttleTimeMs: 0, responses });
      }
      const names = new Set<string>();
      const duplicateNames = new Set<string>();
      const ids = new Set<string>();
      const duplicateIds = new Set<string>();
      const addOnce = <T>(value: T, seen: Set<T>, dups: Set<T>): void => {
        if (dups.has(value) || seen.has(value)) {
          dups.add(value);
          seen.delete(value);
        } else seen.add(value);
      };
      for (const e of entries) {
        if (e.name === null) {
          if (e.topicId === ZERO_UUID) add(null, ZERO_UUID, invalid('Neither topic name nor id were specified.'));
          else addOnce(e.topicId, ids, duplicateIds);
        } else if (e.topicId === ZERO_UUID) addOnce(e.name, names, duplicateNames);
        else add(e.name, e.topicId, invalid('You may not specify both topic name and topic id.'));
      }
      for (const name of duplicateNames) add(name, ZERO_UUID, invalid('Duplicate topic name.'));
      for (const id of duplicateIds) add(null, id, invalid('Duplicate topic id.'));

      const idToName = new Map<string, string>();
      for (const [id, found] of broker.controller.findTopicNames([...ids])) {
        if ('name' in found) idToName.set(id, found.name);
        else add(null, id, found);
      }
      for (const [name, found] of broker.controller.findTopicIds([...names])) {
        if (!('topicId' in found)) add(name, ZERO_UUID, found);
        else if (duplicateIds.has(found.topicId) || idToName.has(found.topicId)) {
          duplicateIds.add(found.topicId);
          idToName.delete(found.topicId);
          add(name, found.topicId, invalid('The provided topic name maps to an ID that was already supplied.'));
        } else idToName.set(found.topicId, name);
      }
      if (idToName.size > 0) {
        const context = controllerContext(broker, request.timeoutMs, version);
        const results = await broker.controller.deleteTopics(context, [...idToName.keys()]);
        for (const [id, error] of results) add(idToName.get(id) ?? null, id, error);
      }
      return DeleteTopicsResponse.create({ throttleTimeMs: 0, responses });
    },
  });
}

function invalid(message: string): ApiError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message };
}
