import { ErrorCode } from '../../common/index.js';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/index.js';
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';

/**
 * DescribeLogDirs v0-v4: every configured log dir (offline ones with KAFKA_STORAGE_ERROR), the
 * partitions in it (all, or those asked for) with their size and offset lag, and from v4 the dir's
 * total and usable bytes (-1 when the platform cannot tell).
 */
export function createDescribeLogDirsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: DescribeLogDirsRequest.apiKey,
    request: DescribeLogDirsRequest,
    response: DescribeLogDirsResponse,
    minVersion: 0,
    maxVersion: 4,
    handle(request) {
      let filter: Map<string, Set<number>> | null = null;
      if (request.topics !== null) {
        filter = new Map();
        for (const t of request.topics) {
          const set = filter.get(t.topic) ?? new Set<number>();
          for (const p of t.partitions) set.add(p);
          filter.set(t.topic, set);
        }
      }
      const results = broker.replicaManager.describeLogDirs(filter).map((d) => ({
        errorCode: d.errorCode,
        logDir: d.logDir,
        topics: [...d.topics].map(([name, partitions]) => ({
          name,
          partitions: partitions.map((p) => ({ partitionIndex: p.partition, partitionSize: p.size, offsetLag: p.offsetLag, isFutureKey: false })),
        })),
        totalBytes: d.totalBytes,
        usableBytes: d.usableBytes,
      }));
      return DescribeLogDirsResponse.create({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, results });
    },
  });
}
