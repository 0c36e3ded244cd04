// Starts the real local bridge (node server on a real port) on a config built for a test, with
// its dead letters in a temporary file and its logs captured.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../lambda/adapters/local/config-file';
import { DeadLetterFile } from '../../lambda/adapters/local/dead-letter-file';
import { FileSecretStore } from '../../lambda/adapters/local/file-secret-store';
import { JobJournal } from '../../lambda/adapters/local/job-journal';
import type { DeadLetter } from '../../lambda/core/jobs';
import { type LocalBridge, startLocalBridge } from '../../lambda/local';
import { CaptureLogger } from './capture-logger';

export interface TestBridge extends LocalBridge {
  dir: string;
  logger: CaptureLogger;
  secretsPath: string;
  deadLetters(): DeadLetter[];
  writeSecrets(values: Record<string, unknown>): void;
}

export async function startTestBridge(
  config: unknown,
  secrets: Record<string, unknown>,
): Promise<TestBridge> {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-test-'));
  const configPath = join(dir, 'bridge.config.yaml');
  const secretsPath = join(dir, 'secrets.json');
  const deadLetterPath = join(dir, 'dead-letters.jsonl');
  writeFileSync(configPath, stringify(config));
  const writeSecrets = (values: Record<string, unknown>) =>
    writeFileSync(secretsPath, JSON.stringify(values));
  writeSecrets(secrets);
  const logger = new CaptureLogger();
  const loaded = loadConfigFile(configPath);
  const bridge = await startLocalBridge({
    loaded,
    logger,
    secrets: new FileSecretStore(secretsPath),
    deadLetters: new DeadLetterFile(deadLetterPath),
    journal: new JobJournal(join(dir, 'journal.jsonl')),
    port: 0,
    random: () => 0.5,
  });
  return {
    ...bridge,
    async close(drainTimeoutMs) {
      await bridge.close(drainTimeoutMs);
      await loaded.sandbox?.close();
    },
    dir,
    logger,
    secretsPath,
    writeSecrets,
    deadLetters() {
      try {
        return readFileSync(deadLetterPath, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as DeadLetter);
      } catch {
        return [];
      }
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
