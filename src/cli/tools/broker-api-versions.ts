/**
 * `kafka-broker-api-versions`: each broker's ApiVersions answer as Kafka prints it,
 * `host:port (id: 1 rack: null) -> (` then `\tProduce(0): 0 to 11 [usable: 11],` ... `)`.
 */
import { Apis, type BrokerNode } from '../../client/index.js';
import { API_BY_KEY, type ApiVersionsResponse } from '../../protocol/index.js';
import { clientConfig, optionalProperties, rawCluster, type ToolIo } from './context.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, VERSION, type ToolSpec } from './options.js';
import { noPositional, parseWith, requireBootstrap, type Parsed, type Tool } from './tool.js';

export interface BrokerApiVersionsArgs {
  readonly bootstrap: string;
  readonly commandConfig: string | undefined;
}

export const BROKER_API_VERSIONS_SPEC: ToolSpec = {
  tool: 'kafka-broker-api-versions',
  summary: 'This tool helps to retrieve broker version information.',
  options: [BOOTSTRAP_SERVER, COMMAND_CONFIG, HELP, VERSION],
};

export function parseBrokerApiVersionsArgs(argv: readonly string[]): Parsed<BrokerApiVersionsArgs> {
  return parseWith(BROKER_API_VERSIONS_SPEC, argv, (o) => {
    noPositional(o);
    return { bootstrap: requireBootstrap(o), commandConfig: o.value('command-config') };
  });
}

/** APIs only brokers and controllers speak among themselves: not listed as UNSUPPORTED to clients. */
const INTER_BROKER = new Set([4, 5, 6, 7, 52, 53, 54, 55, 56, 58, 59, 62, 63, 64, 67, 70, 73, 76, 77, 80, 81, 82]);

/** Kafka's NodeApiVersions.toString(true): the broker's APIs, then the client APIs it lacks. */
export function renderApiVersions(node: Pick<BrokerNode, 'host' | 'port' | 'nodeId' | 'rack'>, apiKeys: ApiVersionsResponse['apiKeys']): string {
  const lines = new Map<number, string>();
  for (const k of apiKeys) {
    const d = API_BY_KEY.get(k.apiKey);
    if (d === undefined) {
      lines.set(k.apiKey, `UNKNOWN(${k.apiKey}): ${k.minVersion} to ${k.maxVersion}`);
      continue;
    }
    const usable = Math.min(k.maxVersion, d.request.maxVersion);
    const usableText =
      k.minVersion > d.request.maxVersion ? '[unusable: node too new]' : k.maxVersion < d.request.minVersion ? '[unusable: node too old]' : `[usable: ${usable}]`;
    const range = k.minVersion === k.maxVersion ? `${k.minVersion}` : `${k.minVersion} to ${k.maxVersion}`;
    lines.set(k.apiKey, `${d.name}(${k.apiKey}): ${range} ${usableText}`);
  }
  for (const [key, d] of API_BY_KEY) {
    if (!lines.has(key) && !INTER_BROKER.has(key)) lines.set(key, `${d.name}(${key}): UNSUPPORTED`);
  }
  const body = [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  return `${node.host}:${node.port} (id: ${node.nodeId} rack: ${node.rack ?? 'null'}) -> (\n\t${body.join(',\n\t')}\n)\n`;
}

export async function runBrokerApiVersions(args: BrokerApiVersionsArgs, io: ToolIo): Promise<number> {
  const props = optionalProperties(io, args.commandConfig);
  const cluster = rawCluster(io, clientConfig(args.bootstrap, props));
  try {
    await cluster.withRetries(() => cluster.refresh([]));
    const brokers = [...cluster.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
    for (const b of brokers) {
      const conn = await cluster.withRetries(() => cluster.connection(b.nodeId));
      const response = await conn.send(Apis.ApiVersions, { clientSoftwareName: 'gregor-tools', clientSoftwareVersion: io.version }, { version: Math.min(3, conn.versionOf(Apis.ApiVersions)) });
      io.stdout(renderApiVersions(b, response.apiKeys));
    }
    return 0;
  } finally {
    cluster.close();
  }
}

export const kafkaBrokerApiVersions: Tool<BrokerApiVersionsArgs> = { name: 'kafka-broker-api-versions', parse: parseBrokerApiVersionsArgs, run: runBrokerApiVersions };
