/**
 * `kafka-metadata-quorum --bootstrap-server H describe --status | --replication [--human-readable]`:
 * the KRaft quorum as Kafka 3.9 prints it (Admin.describeQuorum: DescribeQuorum on __cluster_metadata-0).
 */
import type { QuorumInfo, ReplicaState } from '../../client/index.js';
import { clientConfig, optionalProperties, kafkaClient, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, UsageError, VERSION, type ToolSpec } from './options.js';
import { parseWith, type Parsed, type Tool } from './tool.js';
import { prettyPrintTable } from './format.js';

export interface MetadataQuorumArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
  readonly report: 'status' | 'replication';
  readonly humanReadable: boolean;
}

export const METADATA_QUORUM_SPEC: ToolSpec = {
  tool: 'kafka-metadata-quorum',
  summary: 'usage: kafka-metadata-quorum [-h] [--command-config COMMAND_CONFIG] (--bootstrap-server BOOTSTRAP_SERVER | --bootstrap-controller BOOTSTRAP_CONTROLLER) {describe} ...\n\nThis tool describes kraft metadata quorum status. describe --status | --replication [--human-readable]',
  options: [
    BOOTSTRAP_SERVER,
    { name: 'bootstrap-controller', arg: 'required', describedAs: 'BOOTSTRAP_CONTROLLER', help: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers.' },
    COMMAND_CONFIG,
    HELP,
    { name: 'human-readable', help: 'Print relative times (with --replication).' },
    { name: 'replication', help: 'A detailed description of the replication status of the metadata quorum.' },
    { name: 'status', help: 'A short summary of the quorum status and the other provides detailed information about the status of replication.' },
    VERSION,
  ],
};

export function parseMetadataQuorumArgs(argv: readonly string[]): Parsed<MetadataQuorumArgs> {
  return parseWith(METADATA_QUORUM_SPEC, argv, (o) => {
    const [command, ...extra] = o.positional;
    if (command === undefined) throw new UsageError('kafka-metadata-quorum: error: too few arguments');
    if (command !== 'describe') throw new UsageError(`kafka-metadata-quorum: error: argument command: invalid choice: '${command}' (Gregor supports 'describe')`);
    if (extra.length > 0) throw new UsageError(`kafka-metadata-quorum: error: unrecognized arguments: '${extra.join(' ')}'`);
    const bootstrap = o.value('bootstrap-server') ?? o.value('bootstrap-controller');
    if (bootstrap === undefined) throw new UsageError('kafka-metadata-quorum: error: one of the arguments --bootstrap-server --bootstrap-controller is required');
    const reports = o.present(['status', 'replication']);
    if (reports.length !== 1) throw new UsageError('kafka-metadata-quorum: error: one of the arguments --status --replication is required');
    if (o.has('human-readable') && reports[0] !== 'replication') throw new UsageError('kafka-metadata-quorum: error: --human-readable is only valid with --replication');
    return { bootstrap, commandConfig: o.value('command-config'), report: reports[0] as 'status' | 'replication', humanReadable: o.has('human-readable') };
  });
}

export function renderStatus(clusterId: string, p: QuorumInfo): string {
  const nodes = p.nodes;
  const leader = p.voters.find((v) => v.replicaId === p.leaderId);
  const laggiest = [...p.voters].sort((a, b) => a.logEndOffset - b.logEndOffset)[0];
  const maxLag = leader !== undefined && laggiest !== undefined ? leader.logEndOffset - laggiest.logEndOffset : 0;
  let lagTime = 0;
  if (leader !== undefined && laggiest !== undefined && laggiest !== leader && laggiest.logEndOffset !== leader.logEndOffset) {
    lagTime = leader.lastCaughtUpTimestamp >= 0 && laggiest.lastCaughtUpTimestamp >= 0 ? leader.lastCaughtUpTimestamp - laggiest.lastCaughtUpTimestamp : -1;
  }
  const replica = (r: ReplicaState): string => {
    let s = `{"id": ${r.replicaId}`;
    if (r.replicaDirectoryId !== 'AAAAAAAAAAAAAAAAAAAAAA') s += `, "directoryId": "${r.replicaDirectoryId}"`;
    const endpoints = nodes.find((n) => n.nodeId === r.replicaId)?.listeners ?? [];
    if (endpoints.length > 0) s += `, "endpoints": [${endpoints.map((e) => `"${e.name}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}"`).join(', ')}]`;
    return `${s}}`;
  };
  return (
    `ClusterId:              ${clusterId}\n` +
    `LeaderId:               ${p.leaderId}\n` +
    `LeaderEpoch:            ${p.leaderEpoch}\n` +
    `HighWatermark:          ${p.highWatermark}\n` +
    `MaxFollowerLag:         ${maxLag}\n` +
    `MaxFollowerLagTimeMs:   ${lagTime}\n` +
    `CurrentVoters:          [${p.voters.map(replica).join(', ')}]\n` +
    `CurrentObservers:       [${p.observers.map(replica).join(', ')}]\n`
  );
}

export function renderReplication(p: QuorumInfo, nowMs: number, humanReadable: boolean): string {
  const leader = p.voters.find((v) => v.replicaId === p.leaderId);
  const time = (t: number): string => (t < 0 ? '-1' : humanReadable ? `${Math.max(0, nowMs - t)} ms ago` : String(t));
  const row = (r: ReplicaState, status: string): string[] => [
    String(r.replicaId),
    r.replicaDirectoryId,
    String(r.logEndOffset),
    String((leader?.logEndOffset ?? r.logEndOffset) - r.logEndOffset),
    time(r.lastFetchTimestamp),
    time(r.lastCaughtUpTimestamp),
    status,
  ];
  const rows = [
    ...(leader === undefined ? [] : [row(leader, 'Leader')]),
    ...p.voters.filter((v) => v.replicaId !== p.leaderId).map((v) => row(v, 'Follower')),
    ...p.observers.map((v) => row(v, 'Observer')),
  ];
  return prettyPrintTable(['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'], rows);
}

export async function runMetadataQuorum(args: MetadataQuorumArgs, io: ToolIo): Promise<number> {
  const props = optionalProperties(io, args.commandConfig);
  const admin = kafkaClient(io, clientConfig(args.bootstrap, props)).admin();
  try {
    const quorum = await admin.describeQuorum();
    if (args.report === 'status') io.stdout(renderStatus((await admin.describeCluster()).clusterId, quorum));
    else io.stdout(renderReplication(quorum, io.now(), args.humanReadable));
    return 0;
  } finally {
    await admin.close();
  }
}

export const kafkaMetadataQuorum: Tool<MetadataQuorumArgs> = { name: 'kafka-metadata-quorum', parse: parseMetadataQuorumArgs, run: runMetadataQuorum };
