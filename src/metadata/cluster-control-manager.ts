import { RegisterBrokerRecord, type BrokerRegistrationRequest } from '../protocol/index.js';
import { ControllerApiException, type ControllerResult, type ControllerView } from './controller-result.js';
import type { BrokerRegistration } from './image.js';
import {
  DIRECTORY_MIGRATING,
  DIRECTORY_UNASSIGNED,
  MINIMUM_KRAFT_LEVEL,
  METADATA_VERSION_FEATURE,
  isReservedUuid,
  mv,
} from './metadata-version.js';
import { record } from './records.js';

/** A broker's session as the active controller sees it (Kafka's BrokerHeartbeatState): soft state, not replicated. */
interface BrokerSession {
  lastContactMs: number;
  fenced: boolean;
  /** Made at activation from the image, not by the broker contacting this controller. */
  inherited: boolean;
}

/**
 * Broker registrations, sessions and replica placement (Kafka's ClusterControlManager with its
 * BrokerHeartbeatManager and StripedReplicaPlacer). Registrations live in the image; sessions and
 * the offsets of RegisterBrokerRecords are the active controller's own memory.
 */
export class ClusterControlManager {
  readonly #view: ControllerView;
  readonly #sessionTimeoutMs: number;
  readonly #sessions = new Map<number, BrokerSession>();
  readonly #registerOffsets = new Map<number, number>();

  readonly #colocatedBrokerId: number | undefined;

  /**
   * `colocatedBrokerId`: the broker running in this process (combined mode). Its previous
   * incarnation cannot outlive this controller's process, so a session inherited at activation
   * does not make its new registration a duplicate (Kafka would refuse it until the session expires).
   */
  constructor(view: ControllerView, sessionTimeoutMs: number, colocatedBrokerId?: number) {
    this.#view = view;
    this.#sessionTimeoutMs = sessionTimeoutMs;
    this.#colocatedBrokerId = colocatedBrokerId;
  }

  /** On becoming active: every registered broker gets a fresh session (Kafka's activate). */
  activate(nowMs: number): void {
    this.#sessions.clear();
    for (const b of this.#view.latest().brokers.values()) this.#touch(b.id, b.fenced, nowMs, true);
  }

  deactivate(): void {
    this.#sessions.clear();
  }

  /** Called for every RegisterBrokerRecord replayed, with its offset. */
  noteRegisterBrokerOffset(brokerId: number, offset: number): void {
    this.#registerOffsets.set(brokerId, offset);
  }

  registerBrokerRecordOffset(brokerId: number): number | undefined {
    return this.#registerOffsets.get(brokerId);
  }

  registration(brokerId: number): BrokerRegistration | undefined {
    return this.#view.latest().brokers.get(brokerId);
  }

  /** Registered, unfenced and not shutting down: may lead and be in a new ISR. */
  isActive(brokerId: number): boolean {
    const b = this.registration(brokerId);
    return b !== undefined && !b.fenced && !b.inControlledShutdown;
  }

  /** The broker's registration, if `brokerEpoch` is its current epoch; else throws STALE_BROKER_EPOCH. */
  checkBrokerEpoch(brokerId: number, brokerEpoch: number): BrokerRegistration {
    const b = this.registration(brokerId);
    if (b === undefined) throw new ControllerApiException('STALE_BROKER_EPOCH', `No broker registration found for broker id ${brokerId}`);
    if (b.epoch !== brokerEpoch) {
      throw new ControllerApiException('STALE_BROKER_EPOCH', `Expected broker epoch ${b.epoch}, but got broker epoch ${brokerEpoch}`);
    }
    return b;
  }

  hasValidSession(brokerId: number, nowMs: number): boolean {
    const s = this.#sessions.get(brokerId);
    return s !== undefined && !s.fenced && s.lastContactMs + this.#sessionTimeoutMs >= nowMs;
  }

  /** An unfenced broker whose session expired (the one with the oldest contact), if any. */
  findStaleBroker(nowMs: number): number | undefined {
    let stale: number | undefined;
    let oldest = Infinity;
    for (const [id, s] of this.#sessions) {
      if (!s.fenced && s.lastContactMs + this.#sessionTimeoutMs < nowMs && s.lastContactMs < oldest) {
        stale = id;
        oldest = s.lastContactMs;
      }
    }
    return stale;
  }

  /** When the next session may expire, for the driver's timer; undefined when none can. */
  nextSessionDeadlineMs(): number | undefined {
    let next: number | undefined;
    for (const s of this.#sessions.values()) {
      if (s.fenced) continue;
      const d = s.lastContactMs + this.#sessionTimeoutMs;
      if (next === undefined || d < next) next = d;
    }
    return next;
  }

  touch(brokerId: number, fenced: boolean, nowMs: number): void {
    this.#touch(brokerId, fenced, nowMs);
  }

  #touch(brokerId: number, fenced: boolean, nowMs: number, inherited = false): void {
    this.#sessions.set(brokerId, { lastContactMs: nowMs, fenced, inherited });
  }

  /**
   * Kafka's registerBroker: a new incarnation gets `newBrokerEpoch` and starts fenced; the same
   * incarnation registering again keeps its epoch and state. Throws ControllerApiException.
   */
  registerBroker(
    request: BrokerRegistrationRequest,
    newBrokerEpoch: number,
    finalized: ReadonlyMap<string, number>,
    nowMs: number,
  ): ControllerResult<{ brokerEpoch: number }> {
    const view = this.#view;
    const level = view.latest().features.metadataVersion;
    if (request.clusterId !== view.clusterId) {
      throw new ControllerApiException('INCONSISTENT_CLUSTER_ID', `Expected cluster ID ${view.clusterId}, but got cluster ID ${request.clusterId}`);
    }
    const brokerId = request.brokerId;
    const existing = this.registration(brokerId);
    const inheritedByColocated = brokerId === this.#colocatedBrokerId && this.#sessions.get(brokerId)?.inherited === true;
    if (existing !== undefined && this.hasValidSession(brokerId, nowMs) && existing.incarnationId !== request.incarnationId && !inheritedByColocated) {
      throw new ControllerApiException('DUPLICATE_BROKER_REGISTRATION', 'Another broker is registered with that broker id.');
    }
    if (request.isMigratingZkBroker) {
      throw new ControllerApiException('BROKER_ID_NOT_REGISTERED', 'Controller does not support registering ZK brokers.');
    }
    if (mv.isDirectoryAssignmentSupported(level)) this.#checkLogDirs(brokerId, request.logDirs);
    const features: { name: string; minSupportedVersion: number; maxSupportedVersion: number }[] = [];
    const unverified = new Map(finalized);
    for (const f of request.features) {
      checkFeature(finalized, f.name, f.minSupportedVersion, f.maxSupportedVersion);
      features.push({ name: f.name, minSupportedVersion: f.minSupportedVersion, maxSupportedVersion: f.maxSupportedVersion });
      unverified.delete(f.name);
    }
    if (!request.features.some((f) => f.name === METADATA_VERSION_FEATURE)) {
      // Brokers that send no range are assumed to support only the first KRaft version.
      checkFeature(finalized, METADATA_VERSION_FEATURE, MINIMUM_KRAFT_LEVEL, MINIMUM_KRAFT_LEVEL);
      features.push({ name: METADATA_VERSION_FEATURE, minSupportedVersion: MINIMUM_KRAFT_LEVEL, maxSupportedVersion: MINIMUM_KRAFT_LEVEL });
      unverified.delete(METADATA_VERSION_FEATURE);
    }
    for (const [name, finalizedLevel] of unverified) {
      if (finalizedLevel !== 0) checkFeature(finalized, name, 0, 0);
    }
    const sameIncarnation = existing !== undefined && existing.incarnationId === request.incarnationId;
    const brokerEpoch = sameIncarnation ? existing.epoch : newBrokerEpoch;
    const message = RegisterBrokerRecord.create({
      brokerId,
      isMigratingZkBroker: false,
      incarnationId: request.incarnationId,
      brokerEpoch,
      endPoints: request.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
      features,
      rack: request.rack,
      fenced: sameIncarnation ? existing.fenced : true,
      inControlledShutdown: sameIncarnation ? existing.inControlledShutdown : false,
      logDirs: mv.isDirectoryAssignmentSupported(level) ? [...request.logDirs] : [],
    });
    if (!sameIncarnation) this.#sessions.delete(brokerId);
    this.#touch(brokerId, message.fenced, nowMs);
    view.logger.info(sameIncarnation ? 'amending broker registration' : 'registering broker', { brokerId, brokerEpoch });
    return { records: [record(RegisterBrokerRecord, message, mv.registerBrokerRecordVersion(level))], response: { brokerEpoch } };
  }

  #checkLogDirs(brokerId: number, logDirs: readonly string[]): void {
    if (logDirs.length === 0) throw new ControllerApiException('INVALID_REGISTRATION', 'No directories specified in request');
    if (logDirs.some(isReservedUuid)) throw new ControllerApiException('INVALID_REGISTRATION', 'Reserved directory ID in request');
    if (new Set(logDirs).size !== logDirs.length) throw new ControllerApiException('INVALID_REGISTRATION', 'Duplicate directory ID in request');
    for (const b of this.#view.latest().brokers.values()) {
      if (b.id === brokerId) continue;
      for (const d of logDirs) {
        if (b.logDirs.includes(d)) throw new ControllerApiException('INVALID_REGISTRATION', `Broker ${b.id} is already registered with directory ${d}`);
      }
    }
  }

  /** Kafka's defaultDir: a broker's only directory, else UNASSIGNED (MIGRATING when it registered none). */
  defaultDir(brokerId: number): string {
    const b = this.registration(brokerId);
    if (b === undefined || b.logDirs.length === 0) return DIRECTORY_MIGRATING;
    if (b.logDirs.length === 1) return b.logDirs[0] as string;
    return DIRECTORY_UNASSIGNED;
  }

  /**
   * Replica placement: striped over registered brokers by id, unfenced ones first, starting at the
   * partition id so leadership spreads (Kafka's StripedReplicaPlacer minus racks and randomness).
   * Throws INVALID_REPLICATION_FACTOR with Kafka's messages.
   */
  placeReplicas(startPartition: number, numPartitions: number, replicationFactor: number): number[][] {
    if (replicationFactor <= 0) {
      throw new ControllerApiException('INVALID_REPLICATION_FACTOR', `Invalid replication factor ${replicationFactor}: the replication factor must be positive.`);
    }
    const all = [...this.#view.latest().brokers.values()];
    const unfenced = all.filter((b) => !b.fenced && !b.inControlledShutdown).map((b) => b.id).sort((a, b) => a - b);
    const fenced = all.filter((b) => b.fenced || b.inControlledShutdown).map((b) => b.id).sort((a, b) => a - b);
    if (replicationFactor > all.length) {
      throw new ControllerApiException(
        'INVALID_REPLICATION_FACTOR',
        `The target replication factor of ${replicationFactor} cannot be reached because only ${all.length} broker(s) are registered.`,
      );
    }
    if (unfenced.length === 0) throw new ControllerApiException('INVALID_REPLICATION_FACTOR', 'All brokers are currently fenced.');
    const out: number[][] = [];
    for (let p = startPartition; p < startPartition + numPartitions; p++) {
      const replicas: number[] = [];
      for (let i = 0; i < Math.min(replicationFactor, unfenced.length); i++) replicas.push(unfenced[(p + i) % unfenced.length] as number);
      for (let i = 0; replicas.length < replicationFactor; i++) replicas.push(fenced[(p + i) % fenced.length] as number);
      out.push(replicas);
    }
    return out;
  }
}

function checkFeature(finalized: ReadonlyMap<string, number>, name: string, min: number, max: number): void {
  const level = finalized.get(name);
  if (level === undefined) return;
  if (level < min || level > max) {
    throw new ControllerApiException(
      'UNSUPPORTED_VERSION',
      `Unable to register because the broker does not support finalized version ${level} of ${name}. The broker wants a version between ${min} and ${max}, inclusive.`,
    );
  }
}
