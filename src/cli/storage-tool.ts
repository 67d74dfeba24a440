import { assertNever, randomUuid, type FileSystem } from '../common/index.js';
import { BrokerConfig, ConfigException } from '../config/index.js';
import { systemRandomBytes } from '../platform/index.js';
import { FormatterException, formatStorage, readStorageInfo, renderStorageInfo, storageDirectories } from '../server/index.js';
import type { StorageArgs } from './args.js';
import { CliError, loadPropertiesFile } from './properties-file.js';

export interface StorageToolIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readText?: (path: string) => string;
  /** Test seams; the real disk and random source by default. */
  readonly fs?: FileSystem;
  readonly randomUuid?: () => string;
}

function loadConfig(path: string, io: StorageToolIo): BrokerConfig {
  return BrokerConfig.fromProperties(loadPropertiesFile(path, io.readText));
}

/**
 * `kafka-storage` / `gregor storage`: format, info, random-uuid, with Kafka's output and exit codes
 * (0 on success; 1 on a usage error, a bad config or a formatting problem, whose message goes to
 * stderr without a stack trace).
 */
export function runStorageTool(args: StorageArgs, io: StorageToolIo): number {
  const newUuid = io.randomUuid ?? (() => randomUuid(systemRandomBytes));
  try {
    switch (args.kind) {
      case 'help':
        io.stdout(args.text);
        return 0;
      case 'error':
        io.stderr(`${args.usage}\n${args.message}\n`);
        return 1;
      case 'random-uuid':
        io.stdout(`${newUuid()}\n`);
        return 0;
      case 'info': {
        const config = loadConfig(args.config, io);
        const env = io.fs === undefined ? {} : { fs: io.fs };
        const { text, exitCode } = renderStorageInfo(readStorageInfo(config, env), storageDirectories(config).length);
        io.stdout(text);
        return exitCode;
      }
      case 'format': {
        const config = loadConfig(args.config, io);
        formatStorage(
          config,
          {
            clusterId: args.clusterId,
            ignoreFormatted: args.ignoreFormatted,
            standalone: args.standalone,
            ...(args.releaseVersion === undefined ? {} : { releaseVersion: args.releaseVersion }),
          },
          { print: (line) => io.stdout(`${line}\n`), randomUuid: newUuid, ...(io.fs === undefined ? {} : { fs: io.fs }) },
        );
        return 0;
      }
      default:
        return assertNever(args);
    }
  } catch (e) {
    if (e instanceof ConfigException) {
      io.stderr(`${e.problems.join('\n')}\n`);
      return 1;
    }
    if (e instanceof FormatterException || e instanceof CliError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
