// The whole local bridge (startLocalBridge: receiver + SQLite store + in-process delivery) delivering
// to the destinations the parent started, for the end-to-end benchmark, set up as `serve` does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalLogger } from '../../lambda/adapters/local/pino-logger';
import { compileTemplates } from '../../lambda/core/render/templates';
import { startLocalBridge } from '../../lambda/local';
import { MemorySecretStore } from '../../test/support/memory-secret-store';
import { BENCH_SECRETS, type BenchDestination, benchConfig } from '../bench-config';
import type { BenchServer } from './bench-server';

export interface BridgeLocalOptions {
  destinations: readonly BenchDestination[];
}

export async function startBridgeLocal({ destinations }: BridgeLocalOptions): Promise<BenchServer> {
  const config = benchConfig(destinations);
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-bench-'));
  const bridge = await startLocalBridge({
    loaded: { path: 'bench', config, renderers: compileTemplates(config) },
    logger: createLocalLogger({ stream: { write: () => {} } }),
    secrets: new MemorySecretStore(BENCH_SECRETS),
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
