import { ConfigException } from './config-exception.js';

/** One entry of `listeners` / `advertised.listeners`: `NAME://host:port`; an empty host means all interfaces. */
export interface Endpoint {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
}

export interface QuorumVoter {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

// Kafka's host:port grammar (Utils.getHost/getPort): the port is the digits after the last colon;
// an IPv6 host is written in brackets.
const HOST_PORT = /^\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$/;
const LISTENER = /^([^:]+):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

function splitHostPort(text: string): HostPort | undefined {
  const m = HOST_PORT.exec(text.trim());
  if (m === null) return undefined;
  const port = Number(m[2]);
  return port > 65535 ? undefined : { host: m[1] ?? '', port };
}

/** Parses `listeners` / `advertised.listeners` (comma-separated). Listener names must be unique. */
export function parseListeners(text: string | null, configName = 'listeners'): Endpoint[] {
  if (text === null || text.trim() === '') return [];
  const out: Endpoint[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    const m = LISTENER.exec(entry);
    if (m === null) {
      throw new ConfigException(`Unable to parse ${entry} to a broker endpoint (configuration ${configName})`);
    }
    const port = Number(m[3]);
    if (port < 0 || port > 65535) throw new ConfigException(`Invalid port ${port} in ${configName}: ${entry}`);
    const listenerName = (m[1] ?? '').toUpperCase();
    if (out.some((e) => e.listenerName === listenerName)) {
      throw new ConfigException(`Each listener must have a different name, listeners: ${text}`);
    }
    out.push({ listenerName, host: m[2] ?? '', port });
  }
  return out;
}

/** Parses `listener.security.protocol.map`: `NAME:PROTOCOL` pairs. */
export function parseSecurityProtocolMap(text: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  if (text.trim() === '') return map;
  for (const raw of text.split(',')) {
    const [name, protocol, ...rest] = raw.trim().split(':');
    if (name === undefined || name === '' || protocol === undefined || rest.length > 0) {
      throw ConfigException.invalid('listener.security.protocol.map', text, `Invalid map entry ${raw.trim()}`);
    }
    const p = protocol.trim().toUpperCase();
    if (!isSecurityProtocol(p)) {
      throw ConfigException.invalid('listener.security.protocol.map', text, `No security protocol named ${protocol.trim()}`);
    }
    map.set(name.trim().toUpperCase(), p);
  }
  return map;
}

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

function isSecurityProtocol(s: string): s is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(s);
}

const VOTER_FORM = 'Each entry should be in the form `{id}@{host}:{port}`.';

/** Parses `controller.quorum.voters` entries `id@host:port`, with Kafka's messages. */
export function parseQuorumVoters(entries: readonly string[]): QuorumVoter[] {
  const out: QuorumVoter[] = [];
  for (const entry of entries) {
    const parts = entry.split('@');
    if (parts.length !== 2) {
      throw new ConfigException(`Invalid configuration value for controller.quorum.voters. ${VOTER_FORM}`);
    }
    const [idText = '', address = ''] = parts;
    if (!/^[+-]?\d+$/.test(idText) || !Number.isSafeInteger(Number(idText))) {
      throw new ConfigException(`Failed to parse voter ID as an integer from ${idText}`);
    }
    const hp = splitHostPort(address);
    if (hp === undefined || hp.host === '') {
      throw new ConfigException(
        `Failed to parse host name from entry ${entry} for the configuration controller.quorum.voters. ${VOTER_FORM}`,
      );
    }
    out.push({ id: Number(idText), host: hp.host, port: hp.port });
  }
  return out;
}

/** Parses `controller.quorum.bootstrap.servers` entries `host:port`. */
export function parseQuorumBootstrapServers(entries: readonly string[]): HostPort[] {
  return entries.map((entry) => {
    const hp = splitHostPort(entry);
    if (hp === undefined || hp.host === '') {
      throw new ConfigException(
        `Failed to parse host name from ${entry} for the configuration controller.quorum.bootstrap.servers. ` +
          'Each entry should be in the form "{host}:{port}"',
      );
    }
    return hp;
  });
}
