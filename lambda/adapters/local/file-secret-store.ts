// Local secrets: a JSON file `{ "<secretId>": "<value>" | { ...json secret } }`. Read at start;
// a forced refresh (after a destination's 401) reads the file again, so rotating a token locally
// is editing the file.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { SecretRef } from '../../core/config';
import { ConfigError, SecretError } from '../../core/errors';
import { selectSecretValue } from '../../core/secrets';
import type { SecretStore } from '../../ports';

const secretsFileSchema = z.record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown())]), {
  error: 'must be a JSON object of secretId → string or JSON object',
});

type SecretsFile = z.infer<typeof secretsFileSchema>;

export function readSecretsFile(path: string): SecretsFile {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${path}: cannot read secrets file: ${(error as Error).message.split('\n')[0]}`]);
  }
  const result = secretsFileSchema.safeParse(input);
  if (!result.success) {
    // Name the bad entry, never print its value.
    throw new ConfigError(
      result.error.issues.map((issue) => `${path}: ${issue.path.join('.') || '(file)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export class FileSecretStore implements SecretStore {
  private values: SecretsFile;

  constructor(private readonly path: string | undefined) {
    this.values = path ? readSecretsFile(path) : {};
  }

  async getSecret(ref: SecretRef, options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (options.forceRefresh && this.path) this.values = readSecretsFile(this.path);
    const raw = this.values[ref.secretId];
    if (raw === undefined) {
      const where = this.path ? `in ${this.path}` : '(no secrets file given: use --secrets FILE)';
      throw new SecretError(`secret "${ref.secretId}" not found ${where}`, ref.secretId, true);
    }
    return selectSecretValue(raw, ref);
  }
}
