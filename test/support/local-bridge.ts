// Starts the real local bridge (node server on a real port) on a config built for a test, with
// its store in a temporary directory and its logs captured.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../lambda/adapters/local/config-file';
import { FileSecretStore } from '../../lambda/adapters/local/file-secret-store';
import { LocalStore } from '../../lambda/adapters/local/local-store';
import type { DeadLetter } from '../../lambda/core/contract';
import { type LocalBridge, type LocalBridgeOptions, startLocalBridge } from '../../lambda/local';
import { CaptureLogger } from './capture-logger';

export interface TestBridge extends LocalBridge {
  dir: string;
  storePath: string;
  logger: CaptureLogger;
  secretsPath: string;
  /** The store's dead letters, read the way `dead-letters list` reads them (works after close too). */
  deadLetters(): DeadLetter[];
  writeSecrets(values: Record<string, unknown>): void;
}

export async function startTestBridge(
  config: unknown,
  secrets: Record<string, unknown>,
  options: Partial<Pick<LocalBridgeOptions, 'dedupWindowMs' | 'storePath' | 'fetch'>> = {},
): Promise<TestBridge> {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-test-'));
  const configPath = join(dir, 'bridge.config.yaml');
  const secretsPath = join(dir, 'secrets.json');
  const storePath = options.storePath ?? join(dir, 'bridge.db');
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
    port: 0,
    random: () => 0.5,
    ...options,
    storePath,
  });
  return Object.assign(bridge, {
    dir,
    storePath,
    logger,
    secretsPath,
    writeSecrets,
    deadLetters() {
      const store = LocalStore.open(storePath, { mustExist: true });
      try {
        return store.jobs.deadLetters().map(({ letter }) => letter);
      } finally {
        store.close();
      }
    },
  });
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
