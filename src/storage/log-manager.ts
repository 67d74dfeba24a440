import { join } from 'node:path';
import type { Cancel, Clock, FileSystem, Scheduler } from '../common/index.js';
import { fsErrorCode } from '../common/index.js';
import { CheckpointFile } from './checkpoint-file.js';
import { formatOffsetCheckpoint, readMetaProperties, readOffsetCheckpoint, writeMetaProperties } from './checkpoints.js';
import type { MetaProperties } from './checkpoints.js';
import { StorageError } from './errors.js';
import type { StorageLogger } from './errors.js';
import {
  CLEANER_OFFSET_CHECKPOINT,
  CLEAN_SHUTDOWN_FILE,
  LOG_START_OFFSET_CHECKPOINT,
  META_PROPERTIES,
  RECOVERY_POINT_CHECKPOINT,
  isDeleteDirName,
  parsePartitionDirName,
  partitionDirName,
  topicPartitionKey,
} from './file-names.js';
import type { TopicPartition } from './file-names.js';
import { Log, removeFlatDir } from './log.js';
import type { ProducerStateHooks } from './log.js';
import { DEFAULT_LOG_MANAGER_CONFIG, isCompacted } from './log-config.js';
import type { LogConfig, LogManagerConfig } from './log-config.js';
import { LogCleaner } from './log-cleaner.js';

/** The KRaft metadata log (`__cluster_metadata-0`) is owned by the quorum, not by the log manager: Kafka skips it too. */
export const METADATA_TOPIC = '__cluster_metadata';

/** Kafka's ReplicaManager keeps high watermarks here; storage owns the file so it sits beside the others. */
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';

export interface LogManagerParams {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logDirs: readonly string[];
  readonly logger: StorageLogger;
  /** Config of logs that have no topic-specific one. */
  readonly defaultConfig: LogConfig;
  /** Topic-specific config (topic overrides on top of broker defaults), when the broker has one. */
  readonly topicConfig?: (topic: string) => LogConfig | undefined;
  readonly managerConfig?: Partial<LogManagerConfig>;
  /** meta.properties content: written to new dirs, checked against existing ones. */
  readonly meta?: MetaProperties;
  readonly random?: () => number;
  readonly producerStateHooks?: (tp: TopicPartition) => ProducerStateHooks | undefined;
}

interface LogDirState {
  readonly path: string;
  offline: boolean;
  readonly logs: Map<string, Log>;
  /** Partitions found in the dir that could not be opened because the dir failed. */
  readonly unopened: Set<string>;
  /** The dir's checkpoint files by name, created on first write. */
  readonly checkpoints: Map<string, CheckpointFile>;
}

export type PartitionStorageState = 'online' | 'offline' | 'absent';

/**
 * Owns every log of every log dir: loading at startup (with recovery after an unclean shutdown),
 * creation and deletion, periodic work (retention, flush.ms, checkpoints, compaction, delayed
 * file deletion) and log-dir failure: an I/O error takes its whole dir offline, logged once;
 * its partitions then answer KAFKA_STORAGE_ERROR.
 *
 * Lifecycle: new → startup() → poll()/start(scheduler) ... → shutdown().
 */
export class LogManager {
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly logger: StorageLogger;
  readonly config: LogManagerConfig;
  private readonly dirs: LogDirState[];
  private readonly logs = new Map<string, { log: Log; dir: LogDirState }>();
  readonly cleaner: LogCleaner;
  private nextRetentionMs = 0;
  private nextFlushMs = 0;
  private nextRecoveryCheckpointMs = 0;
  private nextStartCheckpointMs = 0;
  private nextCleanerMs = 0;
  private cancelTimer: Cancel | undefined;
  private polling = false;
  private stopped = false;
  /** Removals of deleted logs' directories still running off the event loop; shutdown waits for them. */
  private readonly dirRemovals = new Set<Promise<void>>();

  constructor(private readonly params: LogManagerParams) {
    this.fs = params.fs;
    this.clock = params.clock;
    this.logger = params.logger;
    this.config = { ...DEFAULT_LOG_MANAGER_CONFIG, ...params.managerConfig };
    this.dirs = params.logDirs.map((path) => ({ path, offline: false, logs: new Map(), unopened: new Set<string>(), checkpoints: new Map() }));
    this.cleaner = new LogCleaner({
      fs: this.fs,
      clock: this.clock,
      logger: this.logger,
      dedupeBufferBytes: this.config.cleanerDedupeBufferSize,
    });
  }

  /** Loads every log dir. A dir that cannot be read is offline from the start. */
  startup(): void {
    const now = this.clock.monotonicMs();
    for (const dir of this.dirs) {
      try {
        this.loadDir(dir);
      } catch (err) {
        this.markDirOffline(dir, err, 'startup');
        this.rememberUnopened(dir);
      }
    }
    this.nextRetentionMs = now + this.config.retentionCheckIntervalMs;
    this.nextFlushMs = now + this.config.flushSchedulerIntervalMs;
    this.nextRecoveryCheckpointMs = now + this.config.flushOffsetCheckpointIntervalMs;
    this.nextStartCheckpointMs = now + this.config.flushStartOffsetCheckpointIntervalMs;
    this.nextCleanerMs = now + this.config.cleanerBackoffMs;
  }

  private loadDir(dir: LogDirState): void {
    this.fs.mkdir(dir.path);
    this.checkMeta(dir.path);
    const recovery = readOffsetCheckpoint(this.fs, join(dir.path, RECOVERY_POINT_CHECKPOINT));
    const starts = readOffsetCheckpoint(this.fs, join(dir.path, LOG_START_OFFSET_CHECKPOINT));
    const hws = readOffsetCheckpoint(this.fs, join(dir.path, REPLICATION_OFFSET_CHECKPOINT));
    this.cleaner.loadCheckpoint(dir.path, readOffsetCheckpoint(this.fs, join(dir.path, CLEANER_OFFSET_CHECKPOINT)));
    const cleanMarker = join(dir.path, CLEAN_SHUTDOWN_FILE);
    const cleanShutdown = this.fs.stat(cleanMarker) !== undefined;
    for (const name of this.fs.readdir(dir.path)) {
      // A partition deleted by an earlier run that stopped before its files were all removed.
      if (isDeleteDirName(name)) {
        removeFlatDir(this.fs, join(dir.path, name));
        continue;
      }
      const tp = parsePartitionDirName(name);
      if (tp === undefined || tp.topic === METADATA_TOPIC) continue;
      const path = join(dir.path, name);
      if (this.fs.stat(path)?.isDirectory !== true) continue;
      const key = topicPartitionKey(tp);
      if (this.logs.has(key)) {
        throw new StorageError('KAFKA_STORAGE_ERROR', `partition ${key} exists in two log dirs`);
      }
      const log = this.openLog(dir, tp, {
        recoveryPoint: recovery.get(key) ?? 0,
        logStartOffset: starts.get(key) ?? 0,
        highWatermark: hws.get(key) ?? 0,
        cleanShutdown,
      });
      dir.logs.set(key, log);
      this.logs.set(key, { log, dir });
    }
    // The marker only vouches for the shutdown that wrote it; remove it once the logs are loaded.
    if (cleanShutdown) {
      this.fs.unlink(cleanMarker);
      this.fs.syncDir(dir.path);
    }
    this.logger.info(`loaded ${dir.logs.size} logs from ${dir.path}`, { cleanShutdown });
  }

  /** After a failed load, still know which partitions live in the dir, so they answer KAFKA_STORAGE_ERROR. */
  private rememberUnopened(dir: LogDirState): void {
    try {
      for (const name of this.fs.readdir(dir.path)) {
        const tp = parsePartitionDirName(name);
        if (tp !== undefined && tp.topic !== METADATA_TOPIC && !dir.logs.has(topicPartitionKey(tp))) dir.unopened.add(topicPartitionKey(tp));
      }
    } catch {
      // The directory cannot even be listed: its partitions are unknown, and the dir is offline anyway.
    }
  }

  /** Whether `tp` has a usable log here, lives in a failed log dir, or is not stored here at all. */
  partitionState(tp: TopicPartition): PartitionStorageState {
    const key = topicPartitionKey(tp);
    const entry = this.logs.get(key);
    if (entry !== undefined) return entry.dir.offline || entry.log.isOffline ? 'offline' : 'online';
    return this.dirs.some((d) => d.unopened.has(key)) ? 'offline' : 'absent';
  }

  private checkMeta(path: string): void {
    const file = join(path, META_PROPERTIES);
    const existing = readMetaProperties(this.fs, file);
    const wanted = this.params.meta;
    if (wanted === undefined) return;
    if (existing === undefined) {
      writeMetaProperties(this.fs, file, wanted);
      return;
    }
    if (existing.clusterId !== wanted.clusterId || existing.nodeId !== wanted.nodeId) {
      throw new StorageError(
        'KAFKA_STORAGE_ERROR',
        `${file} belongs to cluster ${existing.clusterId} node ${existing.nodeId}, not ${wanted.clusterId} node ${wanted.nodeId}`,
      );
    }
  }

  private openLog(
    dir: LogDirState,
    tp: TopicPartition,
    offsets: { recoveryPoint: number; logStartOffset: number; highWatermark: number; cleanShutdown: boolean },
    topicId?: string,
  ): Log {
    const hooks = this.params.producerStateHooks?.(tp);
    return Log.open({
      fs: this.fs,
      clock: this.clock,
      dir: join(dir.path, partitionDirName(tp)),
      topicPartition: tp,
      config: this.configFor(tp.topic),
      logger: this.logger,
      ...offsets,
      ...(topicId === undefined ? {} : { topicId }),
      ...(this.params.random === undefined ? {} : { random: this.params.random }),
      ...(hooks === undefined ? {} : { producerStateHooks: hooks }),
      onIoError: (_log, err) => this.markDirOffline(dir, err, `I/O on ${partitionDirName(tp)}`),
    });
  }

  configFor(topic: string): LogConfig {
    return this.params.topicConfig?.(topic) ?? this.params.defaultConfig;
  }

  // ---- logs ----------------------------------------------------------------------------------

  getLog(tp: TopicPartition): Log | undefined {
    return this.logs.get(topicPartitionKey(tp))?.log;
  }

  allLogs(): Log[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  /** The log of `tp`, created in the online dir with the fewest partitions if it does not exist. */
  getOrCreateLog(tp: TopicPartition, topicId?: string): Log {
    const existing = this.logs.get(topicPartitionKey(tp));
    if (existing !== undefined) {
      if (existing.dir.offline) throw new StorageError('KAFKA_STORAGE_ERROR', `log dir ${existing.dir.path} is offline`);
      return existing.log;
    }
    if (this.partitionState(tp) === 'offline') {
      throw new StorageError('KAFKA_STORAGE_ERROR', `partition ${topicPartitionKey(tp)} is in an offline log dir`);
    }
    const online = this.dirs.filter((d) => !d.offline);
    if (online.length === 0) throw new StorageError('KAFKA_STORAGE_ERROR', 'no online log dir');
    const dir = online.reduce((a, b) => (b.logs.size < a.logs.size ? b : a));
    try {
      const log = this.openLog(dir, tp, { recoveryPoint: 0, logStartOffset: 0, highWatermark: 0, cleanShutdown: true }, topicId);
      const key = topicPartitionKey(tp);
      dir.logs.set(key, log);
      this.logs.set(key, { log, dir });
      return log;
    } catch (err) {
      if (err instanceof StorageError) throw err;
      this.markDirOffline(dir, err, `create log ${partitionDirName(tp)}`);
      throw new StorageError('KAFKA_STORAGE_ERROR', `cannot create log ${partitionDirName(tp)}: ${String(err)}`, { cause: err });
    }
  }

  /** Deletes a partition's log and directory (topic deletion or reassignment away). */
  deleteLog(tp: TopicPartition): void {
    const key = topicPartitionKey(tp);
    const entry = this.logs.get(key);
    if (entry === undefined) return;
    this.logs.delete(key);
    entry.dir.logs.delete(key);
    this.cleaner.forget(entry.log);
    let removal: Promise<void>;
    try {
      removal = entry.log.delete();
    } catch (err) {
      this.markDirOffline(entry.dir, err, `delete log ${key}`);
      return;
    }
    const tracked = removal
      .catch((err: unknown) => this.markDirOffline(entry.dir, err, `delete log ${key}`))
      .finally(() => this.dirRemovals.delete(tracked));
    this.dirRemovals.add(tracked);
  }

  /** Resolves once the directories of deleted logs are gone (or their removal failed). */
  async logDeletionsDone(): Promise<void> {
    while (this.dirRemovals.size > 0) await Promise.all([...this.dirRemovals]);
  }

  offlineLogDirs(): string[] {
    return this.dirs.filter((d) => d.offline).map((d) => d.path);
  }

  isLogDirOnline(path: string): boolean {
    return this.dirs.some((d) => d.path === path && !d.offline);
  }

  private markDirOffline(dir: LogDirState, err: unknown, what: string): void {
    if (dir.offline) return;
    dir.offline = true;
    const code = fsErrorCode(err);
    this.logger.error(`log dir ${dir.path} is offline after ${what} failed${code === undefined ? '' : ` (${code})`}: ${String(err)}`, {
      dir: dir.path,
      partitions: [...dir.logs.keys()],
    });
    for (const log of dir.logs.values()) log.markOffline(err);
  }

  // ---- periodic work ----------------------------------------------------------------------------

  /**
   * Runs whatever periodic work is due (retention, flush.ms, checkpoints, delayed deletes,
   * compaction) and returns the monotonic time of the next deadline.
   */
  async poll(): Promise<number> {
    const now = this.clock.monotonicMs();
    if (now >= this.nextRetentionMs) {
      this.nextRetentionMs = now + this.config.retentionCheckIntervalMs;
      this.runRetention();
    }
    if (now >= this.nextFlushMs) {
      this.nextFlushMs = now + this.config.flushSchedulerIntervalMs;
      await this.flushDueLogs();
    }
    if (now >= this.nextRecoveryCheckpointMs) {
      this.nextRecoveryCheckpointMs = now + this.config.flushOffsetCheckpointIntervalMs;
      void this.checkpointRecoveryPoints();
    }
    if (now >= this.nextStartCheckpointMs) {
      this.nextStartCheckpointMs = now + this.config.flushStartOffsetCheckpointIntervalMs;
      void this.checkpointLogStartOffsets();
    }
    if (this.config.cleanerEnable && now >= this.nextCleanerMs) {
      this.nextCleanerMs = now + this.config.cleanerBackoffMs;
      this.runCleaner();
    }
    this.deletePending();
    // The checkpoint writes run on the thread pool; the next poll starts after them, as Kafka's
    // scheduled tasks do not overlap themselves.
    await this.checkpointWritesDone();
    return this.nextDeadline();
  }

  private nextDeadline(): number {
    let next = Math.min(this.nextRetentionMs, this.nextFlushMs, this.nextRecoveryCheckpointMs, this.nextStartCheckpointMs);
    if (this.config.cleanerEnable) next = Math.min(next, this.nextCleanerMs);
    const wallNow = this.clock.nowMs();
    const monoNow = this.clock.monotonicMs();
    for (const { log } of this.logs.values()) {
      const due = log.nextDeleteDueMs();
      if (due !== undefined) next = Math.min(next, monoNow + Math.max(0, due - wallNow));
    }
    return next;
  }

  /** Drives poll() with real timers until shutdown. */
  start(scheduler: Scheduler): void {
    const tick = (): void => {
      if (this.stopped || this.polling) return;
      this.polling = true;
      this.poll()
        .then((deadline) => {
          this.polling = false;
          if (!this.stopped) this.cancelTimer = scheduler.schedule(Math.max(1, deadline - this.clock.monotonicMs()), tick);
        })
        .catch((err: unknown) => {
          this.polling = false;
          this.logger.error(`log manager background work failed: ${String(err)}`);
          if (!this.stopped) this.cancelTimer = scheduler.schedule(1000, tick);
        });
    };
    this.cancelTimer = scheduler.schedule(0, tick);
  }

  /** Runs retention on every online log now; returns segments deleted. */
  runRetention(): number {
    let n = 0;
    this.forEachOnlineLog('retention', (log) => {
      n += log.deleteOldSegments();
    });
    return n;
  }

  /** Runs `fn` on every log of an online dir that is itself online; a failure is logged, not thrown. */
  private forEachOnlineLog(what: string, fn: (log: Log, dir: LogDirState) => void): void {
    for (const { log, dir } of this.logs.values()) {
      if (dir.offline || log.isOffline) continue;
      try {
        fn(log, dir);
      } catch (err) {
        this.logBackgroundFailure(what, log, err);
      }
    }
  }

  private async flushDueLogs(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const { log, dir } of this.logs.values()) {
      if (dir.offline || log.isOffline) continue;
      const p = log.maybeFlushByTime();
      if (p !== undefined) pending.push(p.catch((err: unknown) => this.logBackgroundFailure('flush', log, err)));
    }
    await Promise.all(pending);
  }

  /** Runs the cleaner over compacted logs whose dirty ratio or max lag calls for it. */
  runCleaner(): number {
    let cleaned = 0;
    this.forEachOnlineLog('compaction', (log, dir) => {
      if (isCompacted(log.config.cleanupPolicy) && this.cleaner.maybeClean(log, dir.path)) cleaned++;
    });
    if (cleaned > 0) void this.checkpointCleaner();
    return cleaned;
  }

  private deletePending(): void {
    const now = this.clock.nowMs();
    this.forEachOnlineLog('segment deletion', (log) => log.deletePendingSegments(now));
  }

  private logBackgroundFailure(what: string, log: Log, err: unknown): void {
    if (err instanceof StorageError && err.code === 'KAFKA_STORAGE_ERROR') return; // already logged when the log went offline
    this.logger.error(`${what} of ${log.name} failed: ${String(err)}`);
  }

  // ---- checkpoints -----------------------------------------------------------------------------

  /**
   * Writes `file` in every online dir with the entries `entriesOf` gives for it: the content is
   * computed now, the atomic replace (temp file, fdatasync, rename, dir fsync) runs off the event
   * loop, one write of a file at a time (CheckpointFile). Resolves when the writes are done; a
   * failure takes that dir offline (never rejects). `sync`: written before returning (shutdown).
   */
  private writeDirCheckpoint(file: string, entriesOf: (dir: LogDirState) => Iterable<[TopicPartition, number]>, sync: boolean): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const dir of this.dirs) {
      if (dir.offline) continue;
      const checkpoint = this.checkpointFile(dir, file);
      const data = formatOffsetCheckpoint(entriesOf(dir));
      if (sync) {
        try {
          checkpoint.writeSync(data);
        } catch (err) {
          this.markDirOffline(dir, err, `writing ${file}`);
        }
        continue;
      }
      writes.push(checkpoint.writeAsync(data).catch((err: unknown) => this.markDirOffline(dir, err, `writing ${file}`)));
    }
    return Promise.all(writes).then(() => {});
  }

  private checkpointFile(dir: LogDirState, file: string): CheckpointFile {
    let checkpoint = dir.checkpoints.get(file);
    if (checkpoint === undefined) {
      checkpoint = new CheckpointFile(this.fs, join(dir.path, file));
      dir.checkpoints.set(file, checkpoint);
    }
    return checkpoint;
  }

  private writeLogCheckpoint(file: string, value: (log: Log) => number, sync: boolean): Promise<void> {
    return this.writeDirCheckpoint(
      file,
      (dir) => {
        const entries: Array<[TopicPartition, number]> = [];
        for (const log of dir.logs.values()) if (!log.isOffline) entries.push([log.topicPartition, value(log)]);
        return entries;
      },
      sync,
    );
  }

  checkpointRecoveryPoints(sync = false): Promise<void> {
    return Promise.all([
      this.writeLogCheckpoint(RECOVERY_POINT_CHECKPOINT, (l) => l.recoveryPoint, sync),
      this.writeLogCheckpoint(REPLICATION_OFFSET_CHECKPOINT, (l) => l.highWatermark, sync),
    ]).then(() => {});
  }

  checkpointLogStartOffsets(sync = false): Promise<void> {
    return this.writeLogCheckpoint(LOG_START_OFFSET_CHECKPOINT, (l) => l.logStartOffset, sync);
  }

  checkpointCleaner(sync = false): Promise<void> {
    return this.writeDirCheckpoint(CLEANER_OFFSET_CHECKPOINT, (dir) => this.cleaner.checkpointEntries(dir.path), sync);
  }

  /** Resolves once no checkpoint write is in flight. Never rejects. */
  async checkpointWritesDone(): Promise<void> {
    for (const dir of this.dirs) for (const checkpoint of dir.checkpoints.values()) await checkpoint.idle();
  }

  /** Flushes everything, writes checkpoints and the clean-shutdown marker, closes every log. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.logDeletionsDone();
    for (const dir of this.dirs) {
      const closing: Promise<void>[] = [];
      for (const log of dir.logs.values()) {
        closing.push(
          log.close().catch((err: unknown) => {
            this.markDirOffline(dir, err, `closing ${log.name}`);
          }),
        );
      }
      await Promise.all(closing);
    }
    // The final state is written last, after any periodic write still in flight.
    await this.checkpointWritesDone();
    void this.checkpointRecoveryPoints(true);
    void this.checkpointLogStartOffsets(true);
    void this.checkpointCleaner(true);
    for (const dir of this.dirs) {
      if (dir.offline) {
        for (const log of dir.logs.values()) log.closeHandles();
        continue;
      }
      try {
        this.fs.writeFileAtomic(join(dir.path, CLEAN_SHUTDOWN_FILE), Buffer.alloc(0));
      } catch (err) {
        this.markDirOffline(dir, err, 'writing the clean shutdown marker');
      }
    }
  }
}
