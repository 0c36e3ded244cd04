// The whole local bridge (startLocalBridge: receiver + SQLite store + in-process delivery) delivering
// to the destinations the parent started, for the end-to-end benchmark, set up as `serve` does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../lambda/adapters/local/file-secret-store';
import { createLocalLogger, type LogLevel } from '../../lambda/adapters/local/pino-logger';
import { RedactingLogger } from '../../lambda/core/redacting-logger';
import { compileTemplates } from '../../lambda/core/render/templates';
import { startLocalBridge } from '../../lambda/local';
import { BENCH_SECRETS, type BenchDestination, benchConfig } from '../bench-config';
import type { BenchServer } from './bench-server';

export interface BridgeLocalOptions {
  destinations: readonly BenchDestination[];
  /** `serve --log-level` (default info). */
  logLevel?: LogLevel;
}

export async function startBridgeLocal({ destinations, logLevel }: BridgeLocalOptions): Promise<BenchServer> {
  const config = benchConfig(destinations);
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-bench-'));
  // As `serve` sets them up: the secrets file, and every log line masked with its values.
  const secretsPath = join(dir, 'secrets.json');
  writeFileSync(secretsPath, JSON.stringify(BENCH_SECRETS), { mode: 0o600 });
  const secrets = new FileSecretStore(secretsPath);
  const bridge = await startLocalBridge({
    loaded: { path: 'bench', config, renderers: compileTemplates(config) },
    logger: new RedactingLogger(
      createLocalLogger({ stream: { write: () => {} }, ...(logLevel ? { level: logLevel } : {}) }),
      () => secrets.knownValues(),
    ),
    secrets,
    storePath: join(dir, 'bridge.db'),
    port: 0,
  });
  return {
    url: bridge.url,
    stats: () => ({
      pending: bridge.pending,
      deadLetters: bridge.store.jobs.deadLetters().length,
    }),
    async close() {
      await bridge.close(1_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
