import { ErrorCode } from '../../common/index.js';
import type { MetadataImage } from '../../metadata/index.js';

interface CommitTopic<P extends { readonly partitionIndex: number }> {
  readonly name: string;
  readonly partitions: readonly P[];
}

interface AnsweredTopic {
  readonly name: string;
  readonly partitions: readonly { readonly partitionIndex: number; readonly errorCode: number }[];
}

/**
 * The per-partition error codes of an offset commit (OffsetCommit, TxnOffsetCommit). Partitions
 * of topics the metadata image does not know answer UNKNOWN_TOPIC_OR_PARTITION, as KafkaApis does
 * before asking the coordinator; the coordinator answers the rest.
 */
export class CommitPartitionErrors {
  private readonly errors = new Map<string, number>();

  /** `topics` narrowed to the partitions `image` knows (topics left empty dropped); the others are marked UNKNOWN_TOPIC_OR_PARTITION. */
  knownOnly<P extends { readonly partitionIndex: number }, T extends CommitTopic<P>>(image: MetadataImage, topics: readonly T[]): T[] {
    const known: T[] = [];
    for (const t of topics) {
      const topic = image.topics.byName.get(t.name);
      const valid = t.partitions.filter((p) => {
        const ok = topic?.partitions.has(p.partitionIndex) === true;
        if (!ok) this.errors.set(key(t.name, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return ok;
      });
      if (valid.length > 0) known.push({ ...t, partitions: valid });
    }
    return known;
  }

  /** Records the coordinator's answers. */
  record(answered: readonly AnsweredTopic[]): void {
    for (const t of answered) for (const p of t.partitions) this.errors.set(key(t.name, p.partitionIndex), p.errorCode);
  }

  /** The response topics of the request's `topics`, in its order, each code passed through `mapError`. */
  responseTopics(topics: readonly CommitTopic<{ readonly partitionIndex: number }>[], mapError: (code: number) => number = (code) => code) {
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: mapError(this.errors.get(key(t.name, p.partitionIndex)) ?? ErrorCode.NONE) })),
    }));
  }
}

function key(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
