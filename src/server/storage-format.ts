import { join } from 'node:path';
import { isUuidString, randomUuid as makeRandomUuid, type Clock, type FileSystem, type Logger, NOOP_LOGGER } from '../common/index.js';
import { LATEST_PRODUCTION_METADATA_VERSION, METADATA_VERSION_STRINGS, type BrokerConfig } from '../config/index.js';
import { METADATA_VERSION_FEATURE, metadataVersionLevel, metadataVersionString } from '../metadata/index.js';
import { NodeFileSystem, SystemClock, systemRandomBytes } from '../platform/index.js';
import { FeatureLevelRecord, Reader, Writer, buildRecordBatch, iterateBatches, sizeOfUvarint } from '../protocol/index.js';
import { readMetaProperties, writeMetaProperties, type MetaProperties } from '../storage/index.js';

/**
 * Storage formatting, Kafka's `kafka-storage format` / `info` and KafkaRaftServer's startup check:
 * every log dir (and the metadata log dir) holds a `meta.properties` (version 1: cluster.id, node.id,
 * directory.id); the metadata log dir (like every dir Kafka formats) holds `bootstrap.checkpoint`,
 * the records the controller writes first (FeatureLevelRecord metadata.version=...).
 *
 * One deviation, on purpose: `ensureFormatted` formats a node whose directories are all unformatted
 * with a fresh cluster id (Kafka refuses to start), so `npm start` works on a clean checkout. A node
 * with some directories formatted and some not still fails as in Kafka: an empty metadata dir next to
 * formatted data dirs means lost metadata, and silently starting over would hide that.
 */

export const META_PROPERTIES_FILE = 'meta.properties';
export const BOOTSTRAP_CHECKPOINT_FILE = 'bootstrap.checkpoint';

/** Kafka's FormatterException: a problem an operator must fix, reported without a stack trace. */
export class FormatterException extends Error {
  override name = 'FormatterException';
}

export interface StorageEnv {
  readonly fs?: FileSystem;
  readonly clock?: Clock;
  /** Directory ids and (for ensureFormatted) the cluster id; defaults to random v4 uuids. */
  readonly randomUuid?: () => string;
  /** Where `kafka-storage format` prints its progress lines (default: nowhere). */
  readonly print?: (line: string) => void;
  readonly logger?: Logger;
}

export interface FormatOptions {
  readonly clusterId: string;
  /** A metadata.version such as `3.9-IV0` or `3.9`; default inter.broker.protocol.version if set, else the latest production one. */
  readonly releaseVersion?: string;
  readonly ignoreFormatted?: boolean;
  /** Kafka's KIP-853 single-voter dynamic quorum. Checked as Kafka checks it; see README for what is written. */
  readonly standalone?: boolean;
}

export interface FeatureLevel {
  readonly name: string;
  readonly featureLevel: number;
}

/** The records a new cluster's metadata log starts with, and the metadata.version they set. */
export interface BootstrapMetadata {
  readonly metadataVersion: string;
  /** The feature level of metadataVersion (3.9-IV0 is 21): what the controller's bootstrap takes. */
  readonly metadataVersionLevel: number;
  readonly featureLevels: readonly FeatureLevel[];
  /** Where it came from: the file, or the default when the file is missing (as Kafka's BootstrapDirectory). */
  readonly source: string;
}

export interface FormatResult {
  readonly clusterId: string;
  /** Directories written by this call, sorted, with their new directory ids. */
  readonly formatted: ReadonlyMap<string, string>;
  readonly bootstrap: BootstrapMetadata;
}

export interface StorageState {
  readonly clusterId: string;
  readonly nodeId: number;
  /** Every log dir (and the metadata dir) with its directory id, sorted by path. */
  readonly directoryIds: ReadonlyMap<string, string>;
  /** Directories whose meta.properties could not be read: Kafka takes them offline. */
  readonly offlineDirs: readonly string[];
  readonly bootstrap: BootstrapMetadata;
  /** True when this call formatted an unformatted node. */
  readonly formattedNow: boolean;
}

// ---------------------------------------------------------------------------------------------
// metadata.version

/** 3.3-IV0, the first version whose clusters start from FeatureLevelRecords (Kafka's minimum bootstrap version). */
export const MINIMUM_BOOTSTRAP_METADATA_VERSION = '3.3-IV0';
const MINIMUM_BOOTSTRAP_INDEX = METADATA_VERSION_STRINGS.indexOf(MINIMUM_BOOTSTRAP_METADATA_VERSION);
const LATEST_PRODUCTION_INDEX = METADATA_VERSION_STRINGS.indexOf(LATEST_PRODUCTION_METADATA_VERSION);

/** The feature level of a metadata version (3.0-IV1 is 1, each later one more); -1 before KRaft. */
export function metadataVersionFeatureLevel(version: string): number {
  return metadataVersionLevel(version) ?? -1;
}

/**
 * Resolves a release version as Kafka's MetadataVersion.fromVersionString (`3.9`, `3.9.1` and
 * `3.9-IV0` all mean 3.9-IV0; a release without IV means its last one) and checks it can start a
 * KRaft cluster and is production-ready. Gregor's floor is 3.3-IV0 (Kafka 3.9 accepts 3.0-IV1 but
 * writes no usable bootstrap file below 3.3-IV0, KAFKA-14319).
 */
export function resolveReleaseVersion(text: string): string {
  const segments = text.split('.');
  const keep = text.startsWith('0.') ? 3 : 2;
  const key = segments.length > keep ? segments.slice(0, keep).join('.') : text;
  let found: string | undefined = METADATA_VERSION_STRINGS.includes(key) ? key : undefined;
  if (found === undefined) {
    const ivs = METADATA_VERSION_STRINGS.filter((v) => v === key || v.startsWith(`${key}-IV`));
    found = ivs[ivs.length - 1];
  }
  if (found === undefined) throw new FormatterException(`Version ${text} is not a valid version`);
  const index = METADATA_VERSION_STRINGS.indexOf(found);
  if (index < MINIMUM_BOOTSTRAP_INDEX) {
    throw new FormatterException(`${METADATA_VERSION_FEATURE} ${found} is too old to be supported (the minimum is ${MINIMUM_BOOTSTRAP_METADATA_VERSION}).`);
  }
  if (index > LATEST_PRODUCTION_INDEX) throw new FormatterException(`${METADATA_VERSION_FEATURE} ${found} is not yet stable.`);
  return found;
}

/** --release-version, else inter.broker.protocol.version when set, else the latest production version. */
function effectiveReleaseVersion(config: BrokerConfig, requested: string | undefined): string {
  if (requested !== undefined) return resolveReleaseVersion(requested);
  if (config.isSet('inter.broker.protocol.version')) return resolveReleaseVersion(config.get('inter.broker.protocol.version'));
  return LATEST_PRODUCTION_METADATA_VERSION;
}

export function defaultBootstrapMetadata(metadataVersion: string, source: string): BootstrapMetadata {
  const level = metadataVersionFeatureLevel(metadataVersion);
  return { metadataVersion, metadataVersionLevel: level, featureLevels: [{ name: METADATA_VERSION_FEATURE, featureLevel: level }], source };
}

export function describeBootstrapMetadata(b: BootstrapMetadata): string {
  const records = b.featureLevels.map((f) => `ApiMessageAndVersion(FeatureLevelRecord(name='${f.name}', featureLevel=${f.featureLevel}) at version 0)`);
  return `BootstrapMetadata(records=[${records.join(', ')}], metadataVersion=${b.metadataVersion}, source=${b.source})`;
}

// ---------------------------------------------------------------------------------------------
// bootstrap.checkpoint: record batches of metadata records, as Kafka's BatchFileWriter writes them

/** Kafka's metadata record frame: uvarint frame version (1), uvarint api key, uvarint record version, body. */
const METADATA_FRAME_VERSION = 1;

function encodeFeatureLevelRecord(f: FeatureLevel): Buffer {
  const body = { name: f.name, featureLevel: f.featureLevel };
  const header = sizeOfUvarint(METADATA_FRAME_VERSION) + sizeOfUvarint(FeatureLevelRecord.apiKey) + sizeOfUvarint(0);
  const w = new Writer(header + FeatureLevelRecord.size(body, 0));
  w.uvarint(METADATA_FRAME_VERSION);
  w.uvarint(FeatureLevelRecord.apiKey);
  w.uvarint(0);
  FeatureLevelRecord.write(w, body, 0);
  return w.buf;
}

export function encodeBootstrapCheckpoint(b: BootstrapMetadata, nowMs: number): Buffer {
  return buildRecordBatch({
    baseOffset: 0,
    partitionLeaderEpoch: 0,
    timestamp: nowMs,
    records: b.featureLevels.map((f) => ({ key: null, value: encodeFeatureLevelRecord(f) })),
  });
}

/** Reads the FeatureLevelRecords of a bootstrap.checkpoint; other record types are skipped. */
export function decodeBootstrapCheckpoint(data: Buffer, source: string): BootstrapMetadata {
  const featureLevels: FeatureLevel[] = [];
  try {
    for (const batch of iterateBatches(data)) {
      if (!batch.verifyCrc()) throw new FormatterException(`${source}: corrupt record batch at offset ${batch.baseOffset}`);
      for (const record of batch.records()) {
        if (record.value === null) continue;
        const r = new Reader(record.value);
        if (r.uvarint() !== METADATA_FRAME_VERSION) throw new FormatterException(`${source}: unknown metadata record frame version`);
        const apiKey = r.uvarint();
        const version = r.uvarint();
        if (apiKey !== FeatureLevelRecord.apiKey) continue;
        const f = FeatureLevelRecord.read(r, version);
        featureLevels.push({ name: f.name, featureLevel: f.featureLevel });
      }
    }
  } catch (e) {
    if (e instanceof FormatterException) throw e;
    throw new FormatterException(`${source}: cannot read bootstrap metadata: ${(e as Error).message}`);
  }
  const mv = featureLevels.find((f) => f.name === METADATA_VERSION_FEATURE);
  const metadataVersion = mv === undefined ? undefined : metadataVersionString(mv.featureLevel);
  if (mv === undefined || metadataVersion === undefined) throw new FormatterException(`No FeatureLevelRecord for ${METADATA_VERSION_FEATURE} was found in ${source}`);
  return { metadataVersion, metadataVersionLevel: mv.featureLevel, featureLevels, source };
}

/** The bootstrap metadata of the metadata log dir, or the default (ibp or latest) when the file is missing, as Kafka does. */
export function readBootstrapMetadata(config: BrokerConfig, env: StorageEnv = {}): BootstrapMetadata {
  const fs = env.fs ?? new NodeFileSystem();
  const path = join(config.metadataLogDir(), BOOTSTRAP_CHECKPOINT_FILE);
  const data = fs.readFile(path);
  if (data === undefined) return defaultBootstrapMetadata(effectiveReleaseVersion(config, undefined), 'the default bootstrap');
  return decodeBootstrapCheckpoint(data, path);
}

// ---------------------------------------------------------------------------------------------
// Directory scan (Kafka's MetaPropertiesEnsemble.Loader)

interface Ensemble {
  /** Sorted: log dirs plus the metadata log dir. */
  readonly dirs: readonly string[];
  readonly empty: string[];
  readonly errors: Map<string, string>;
  readonly props: Map<string, MetaProperties>;
}

/** Kafka's configToLogDirectories: log.dirs plus metadata.log.dir, de-duplicated and sorted. */
export function storageDirectories(config: BrokerConfig): string[] {
  return [...new Set([...config.logDirs(), config.metadataLogDir()])].sort();
}

function loadEnsemble(config: BrokerConfig, fs: FileSystem): Ensemble {
  const dirs = storageDirectories(config);
  const e: Ensemble = { dirs, empty: [], errors: new Map(), props: new Map() };
  for (const dir of dirs) {
    try {
      const st = fs.stat(dir);
      if (st !== undefined && !st.isDirectory) {
        e.errors.set(dir, `${dir} is not a directory`);
        continue;
      }
      const meta = st === undefined ? undefined : readMetaProperties(fs, join(dir, META_PROPERTIES_FILE));
      if (meta === undefined) e.empty.push(dir);
      else e.props.set(dir, meta);
    } catch (err) {
      e.errors.set(dir, (err as Error).message);
    }
  }
  return e;
}

/** Kafka's MetaPropertiesEnsemble.verify: one cluster id, one node id (the expected one if given), distinct directory ids. */
function verifyEnsemble(e: Ensemble, expectedClusterId: string | undefined, expectedNodeId: number | undefined): void {
  let clusterId = expectedClusterId;
  let nodeId = expectedNodeId;
  const seen = new Map<string, string>();
  for (const [dir, meta] of e.props) {
    const path = join(dir, META_PROPERTIES_FILE);
    if (clusterId === undefined) clusterId = meta.clusterId;
    else if (meta.clusterId !== clusterId) {
      throw new FormatterException(`Invalid cluster.id in: ${path}. Expected ${clusterId}, but read ${meta.clusterId}`);
    }
    if (nodeId === undefined) nodeId = meta.nodeId;
    else if (meta.nodeId !== nodeId) {
      throw new FormatterException(
        `Stored node id ${meta.nodeId} doesn't match previous node id ${nodeId} in ${path}. If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.`,
      );
    }
    if (meta.directoryId !== undefined) {
      const prev = seen.get(meta.directoryId);
      if (prev !== undefined) {
        throw new FormatterException(`Duplicate directory ID ${meta.directoryId} found. It was the ID of ${prev}, but also of ${dir}`);
      }
      seen.set(meta.directoryId, dir);
    }
  }
}

function newDirectoryId(randomUuid: () => string, taken: ReadonlySet<string>): string {
  for (;;) {
    const id = randomUuid();
    if (!taken.has(id)) return id;
  }
}

function envDefaults(env: StorageEnv): Required<Omit<StorageEnv, 'print'>> & { print: (line: string) => void } {
  return {
    fs: env.fs ?? new NodeFileSystem(),
    clock: env.clock ?? new SystemClock(),
    randomUuid: env.randomUuid ?? (() => makeRandomUuid(systemRandomBytes)),
    print: env.print ?? (() => {}),
    logger: env.logger ?? NOOP_LOGGER,
  };
}

/** Writes a directory: the directory, then bootstrap.checkpoint, then meta.properties last (its presence means "formatted"). */
function writeFormattedDir(fs: FileSystem, dir: string, meta: MetaProperties, bootstrapBytes: Buffer): void {
  try {
    fs.mkdir(dir);
    fs.writeFileAtomic(join(dir, BOOTSTRAP_CHECKPOINT_FILE), bootstrapBytes);
    writeMetaProperties(fs, join(dir, META_PROPERTIES_FILE), meta);
  } catch (err) {
    if (err instanceof FormatterException) throw err;
    throw new FormatterException(`Error while writing meta.properties file ${dir}: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// kafka-storage format

/**
 * `kafka-storage format`: writes meta.properties (and bootstrap.checkpoint) into every unformatted
 * directory. A formatted one is an error unless ignoreFormatted; one formatted for another cluster or
 * node is always an error. Prints Kafka's progress lines through `env.print`.
 */
export function formatStorage(config: BrokerConfig, options: FormatOptions, env: StorageEnv = {}): FormatResult {
  const { fs, clock, randomUuid, print } = envDefaults(env);
  const nodeId = config.nodeId();
  if (config.processRoles().length === 0) {
    throw new FormatterException('The kafka configuration file appears to be for a legacy cluster. Formatting is only supported for clusters in KRaft mode.');
  }
  if (nodeId < 0) throw new FormatterException('You must specify a valid non-negative node ID.');
  if (!isUuidString(options.clusterId)) {
    throw new FormatterException(`Cluster ID string ${options.clusterId} does not appear to be a valid UUID.`);
  }
  if (options.standalone === true) checkStandalone(config);
  const metadataVersion = effectiveReleaseVersion(config, options.releaseVersion);
  const bootstrap = defaultBootstrapMetadata(metadataVersion, 'format command');

  const e = loadEnsemble(config, fs);
  verifyEnsemble(e, options.clusterId, nodeId);
  const firstFormatted = [...e.props.keys()][0];
  if (options.ignoreFormatted !== true && firstFormatted !== undefined) {
    throw new FormatterException(`Log directory ${firstFormatted} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
  }
  for (const [dir] of e.errors) print(`I/O error trying to read log directory ${dir}. Ignoring...`);
  if (e.errors.size > 0 && e.empty.length === 0 && e.props.size === 0) throw new FormatterException('No available log directories to format.');
  const formatted = new Map<string, string>();
  if (e.empty.length === 0) {
    print('All of the log directories are already formatted.');
    return { clusterId: options.clusterId, formatted, bootstrap };
  }
  print(`Bootstrap metadata: ${describeBootstrapMetadata(bootstrap)}`);
  const bootstrapBytes = encodeBootstrapCheckpoint(bootstrap, clock.nowMs());
  const taken = new Set([...e.props.values()].flatMap((m) => (m.directoryId === undefined ? [] : [m.directoryId])));
  const metadataDir = config.metadataLogDir();
  for (const dir of e.empty) {
    const directoryId = newDirectoryId(randomUuid, taken);
    taken.add(directoryId);
    const kind = dir === metadataDir ? 'metadata directory' : 'data directory';
    print(`Formatting ${kind} ${dir} with ${METADATA_VERSION_FEATURE} ${metadataVersion}.`);
    writeFormattedDir(fs, dir, { clusterId: options.clusterId, nodeId, directoryId }, bootstrapBytes);
    formatted.set(dir, directoryId);
  }
  return { clusterId: options.clusterId, formatted, bootstrap };
}

/** Kafka's preconditions for --standalone (StorageTool.createStandaloneDynamicVoters and the Formatter). */
function checkStandalone(config: BrokerConfig): void {
  if (!config.processRoles().includes('controller')) throw new FormatterException('You cannot use --standalone on a broker node.');
  if (config.controllerListeners().length === 0) throw new FormatterException('No controller listeners found.');
  if (config.quorumVoters().length > 0) {
    throw new FormatterException(
      'You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone. If you want to use dynamic quorum, please remove controller.quorum.voters and specify controller.quorum.bootstrap.servers instead.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Startup: KafkaRaftServer.initializeLogDirs, plus auto-format of a fresh node

/**
 * Called by the broker at startup. A node with no formatted directory is formatted with a fresh
 * cluster id (`randomUuid()`); otherwise the directories must agree with each other and with
 * `node.id`, every directory must be formatted, and directories formatted without a directory.id
 * get one (rewritten, as Kafka does). Throws FormatterException with Kafka's wording.
 */
export function ensureFormatted(config: BrokerConfig, randomUuid: () => string, env: StorageEnv = {}): StorageState {
  const full = envDefaults({ ...env, randomUuid });
  const { fs, logger } = full;
  const nodeId = config.nodeId();
  let e = loadEnsemble(config, fs);
  let formattedNow = false;
  if (e.props.size === 0 && e.errors.size === 0) {
    const clusterId = randomUuid();
    logger.info(`No meta.properties found in ${e.dirs.join(', ')}: formatting a new cluster with cluster.id ${clusterId}`);
    formatStorage(config, { clusterId }, { ...full, print: (line) => logger.info(line) });
    e = loadEnsemble(config, fs);
    formattedNow = true;
  }
  verifyEnsemble(e, undefined, nodeId);
  if (e.props.size === 0) throw new FormatterException('No readable meta.properties files found.');
  const metadataDir = config.metadataLogDir();
  const metadataError = e.errors.get(metadataDir);
  if (metadataError !== undefined) {
    throw new FormatterException(`Encountered I/O error in metadata log directory ${metadataDir}. Cannot continue. (${metadataError})`);
  }
  for (const dir of e.empty) {
    throw new FormatterException(`No \`meta.properties\` found in ${dir} (have you run \`kafka-storage format\` to format the directory?)`);
  }
  const taken = new Set([...e.props.values()].flatMap((m) => (m.directoryId === undefined ? [] : [m.directoryId])));
  const directoryIds = new Map<string, string>();
  for (const [dir, meta] of e.props) {
    let id = meta.directoryId;
    if (id === undefined) {
      id = newDirectoryId(randomUuid, taken);
      taken.add(id);
      logger.info(`Rewriting ${join(dir, META_PROPERTIES_FILE)}`);
      writeMetaProperties(fs, join(dir, META_PROPERTIES_FILE), { ...meta, directoryId: id });
    }
    directoryIds.set(dir, id);
  }
  const first = [...e.props.values()][0] as MetaProperties;
  for (const [dir, problem] of e.errors) logger.error(`Log directory ${dir} is offline: ${problem}`);
  return {
    clusterId: first.clusterId,
    nodeId: first.nodeId,
    directoryIds,
    offlineDirs: [...e.errors.keys()],
    bootstrap: readBootstrapMetadata(config, { fs }),
    formattedNow,
  };
}

// ---------------------------------------------------------------------------------------------
// kafka-storage info

export interface StorageInfo {
  /** Directories that exist, sorted. */
  readonly foundDirectories: readonly string[];
  /** The first meta.properties found, as sorted key/value pairs. */
  readonly metadata?: ReadonlyMap<string, string>;
  readonly problems: readonly string[];
}

/** What `kafka-storage info` reports: directories found, the metadata of the first, and every problem. */
export function readStorageInfo(config: BrokerConfig, env: StorageEnv = {}): StorageInfo {
  const fs = env.fs ?? new NodeFileSystem();
  const problems: string[] = [];
  const foundDirectories: string[] = [];
  let prev: MetaProperties | undefined;
  for (const dir of storageDirectories(config)) {
    const st = fs.stat(dir);
    if (st === undefined) {
      problems.push(`${dir} does not exist`);
      continue;
    }
    if (!st.isDirectory) {
      problems.push(`${dir} is not a directory`);
      continue;
    }
    foundDirectories.push(dir);
    const path = join(dir, META_PROPERTIES_FILE);
    let meta: MetaProperties | undefined;
    try {
      meta = readMetaProperties(fs, path);
    } catch (err) {
      problems.push(`Error loading ${path}: ${(err as Error).message}`);
      continue;
    }
    if (meta === undefined) {
      problems.push(`${dir} is not formatted.`);
    } else if (prev === undefined) {
      prev = meta;
    } else if (prev.clusterId !== meta.clusterId) {
      problems.push('Mismatched cluster IDs between storage directories.');
    } else if (prev.nodeId !== meta.nodeId) {
      problems.push('Mismatched node IDs between storage directories.');
    }
  }
  if (prev === undefined) return { foundDirectories, problems };
  const metadata = new Map<string, string>([
    ['cluster.id', prev.clusterId],
    ...(prev.directoryId === undefined ? [] : [['directory.id', prev.directoryId] as [string, string]]),
    ['node.id', String(prev.nodeId)],
    ['version', '1'],
  ]);
  return { foundDirectories, metadata, problems };
}

/** Kafka's `kafka-storage info` text; the exit code is 1 when there are problems. */
export function renderStorageInfo(info: StorageInfo, dirCount: number): { text: string; exitCode: number } {
  const lines: string[] = [];
  if (dirCount === 0) return { text: 'No directories specified.\n', exitCode: 0 };
  if (info.foundDirectories.length > 0) {
    lines.push(info.foundDirectories.length === 1 ? 'Found log directory:' : 'Found log directories:');
    for (const d of info.foundDirectories) lines.push(`  ${d}`);
    lines.push('');
  }
  if (info.metadata !== undefined) {
    lines.push(`Found metadata: {${[...info.metadata].map(([k, v]) => `${k}=${v}`).join(', ')}}`);
    lines.push('');
  }
  if (info.problems.length > 0) {
    lines.push(info.problems.length === 1 ? 'Found problem:' : 'Found problems:');
    for (const p of info.problems) lines.push(`  ${p}`);
    lines.push('');
  }
  return { text: lines.map((l) => `${l}\n`).join(''), exitCode: info.problems.length > 0 ? 1 : 0 };
}
