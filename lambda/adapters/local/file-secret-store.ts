// Local secrets: a JSON file `{ "<secretId>": "<value>" | { ...json secret } }`. Read at start;
// a forced refresh (after a destination's 401) reads the file again, and so does a read of a
// secret the file lacks, so rotating or adding a token locally is editing the file.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { SecretRef } from '../../core/config/schema';
import { SecretsFileError, SecretUnavailableError } from '../../core/errors';
import type { SecretStore } from '../../core/ports';
import { secretTextsOf, selectSecretValue } from '../../core/secrets';
import { describeFileError } from './file-error';

const secretsFileSchema = z.record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown())]), {
  error: 'must be a JSON object of secretId → string or JSON object',
});

type SecretsFile = z.infer<typeof secretsFileSchema>;

export function readSecretsFile(path: string): SecretsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SecretsFileError([`${path}: cannot read secrets file: ${describeFileError(error)}`]);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the error, which here is secret values: give only where.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new SecretsFileError([`${path}: not valid JSON${at === undefined ? '' : ` (at character ${at})`}`]);
  }
  const result = secretsFileSchema.safeParse(input);
  if (!result.success) {
    // Name the bad entry, never print its value.
    throw new SecretsFileError(
      result.error.issues.map((issue) => `${path}: ${issue.path.join('.') || '(file)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export class FileSecretStore implements SecretStore {
  private values: SecretsFile;
  private known: readonly string[] | undefined;

  constructor(private readonly path: string | undefined) {
    this.values = path ? readSecretsFile(path) : {};
  }

  /** Every value in the file (and each text in a JSON secret), for masking log lines. The same
   *  array until the file is read again. */
  knownValues(): readonly string[] {
    this.known ??= Object.values(this.values).flatMap(secretTextsOf);
    return this.known;
  }

  /**
   * Like Secrets Manager (see secrets-manager-store.ts), a secret the file does not have, or a
   * file that cannot be read now, is a SecretUnavailableError: the file may be being edited, and
   * the next read looks again. A value of the wrong shape is an InvalidSecretError.
   */
  async getSecret(ref: SecretRef, options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (options.forceRefresh || !Object.hasOwn(this.values, ref.secretId)) this.reread(ref);
    const raw = Object.hasOwn(this.values, ref.secretId) ? this.values[ref.secretId] : undefined;
    if (raw === undefined) {
      const where = this.path ? `in ${this.path}` : '(no secrets file given: use --secrets FILE)';
      throw new SecretUnavailableError(`secret "${ref.secretId}" not found ${where}`, ref.secretId);
    }
    return selectSecretValue(raw, ref);
  }

  private reread(ref: SecretRef): void {
    if (!this.path) return;
    try {
      this.values = readSecretsFile(this.path);
      this.known = undefined;
    } catch (error) {
      // Mid-edit, say: the delivery is retried, the request gets a 401 or 503, never a crash of
      // the lane that asked. The message names no value.
      throw new SecretUnavailableError((error as Error).message, ref.secretId, { cause: error });
    }
  }
}
