// The whole local bridge (startLocalBridge: receiver + in-process delivery queue) delivering to
// the destinations the parent started, for the end-to-end benchmark, set up as `serve` does.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterFile } from '../../lambda/adapters/local/dead-letter-file';
import { JobJournal } from '../../lambda/adapters/local/job-journal';
import { JsonLogger } from '../../lambda/adapters/local/json-logger';
import { compileTemplates } from '../../lambda/core/templates';
import { startLocalBridge } from '../../lambda/local';
import { MemorySecretStore } from '../../test/support/memory-secret-store';
import { BENCH_SECRETS, type BenchDestination, benchConfig } from '../bench-config';
import type { BenchServer } from './bench-server';

export interface BridgeLocalOptions {
  destinations: readonly BenchDestination[];
  /** As `tfe-bridge serve` runs: every accepted job journaled before the 202 (default true). */
  journal?: boolean;
}

export async function startBridgeLocal({
  destinations,
  journal = true,
}: BridgeLocalOptions): Promise<BenchServer> {
  const config = benchConfig(destinations);
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-bench-'));
  const deadLetterPath = join(dir, 'dead-letters.jsonl');
  const bridge = await startLocalBridge({
    loaded: { path: 'bench', config, renderers: compileTemplates(config) },
    logger: new JsonLogger(() => {}),
    secrets: new MemorySecretStore(BENCH_SECRETS),
    deadLetters: new DeadLetterFile(deadLetterPath),
    ...(journal ? { journal: new JobJournal(join(dir, 'journal.jsonl')) } : {}),
    port: 0,
  });
  const deadLetters = () => {
    try {
      return readFileSync(deadLetterPath, 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  return {
    url: bridge.url,
    stats: () => ({ pending: bridge.queue.pending, deadLetters: deadLetters() }),
    async close() {
      await bridge.close(1_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
