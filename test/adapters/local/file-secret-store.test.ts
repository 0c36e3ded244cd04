// The local secrets file: errors name the file and the problem, never a value from it (a forced
// re-read after a bad signature logs them, so anyone could trigger one).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecretStore, readSecretsFile } from '../../../lambda/adapters/local/file-secret-store';
import { SecretsFileError, SecretUnavailableError } from '../../../lambda/core/errors';

const SECRET = 'new-s3cret-token-abcdef';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tfe-bridge-secrets-')), 'secrets.json');
  writeFileSync(path, text);
  return path;
}

// A broken secrets file is its own error (`invalid secrets file`), not an invalid config.
function errorOf(action: () => unknown): SecretsFileError {
  try {
    action();
  } catch (error) {
    if (error instanceof SecretsFileError) return error;
    throw error;
  }
  throw new Error('expected a SecretsFileError');
}

describe('readSecretsFile', () => {
  it('reports a file that is not JSON without quoting any of it', () => {
    const path = file(`{"hmac": ${SECRET}}`);
    const error = errorOf(() => readSecretsFile(path));
    expect(error.message).toContain(`${path}: not valid JSON`);
    expect(error.message).not.toContain('s3cret');
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });

  it('reports a missing file by its error code', () => {
    const error = errorOf(() => readSecretsFile('/nonexistent/secrets.json'));
    expect(error.message).toContain(
      '/nonexistent/secrets.json: cannot read secrets file: no such file (ENOENT)',
    );
  });

  it('names a bad entry, not its value', () => {
    const path = file(JSON.stringify({ hmac: 42, ok: SECRET }));
    const error = errorOf(() => readSecretsFile(path));
    expect(error.message).toContain(`${path}: hmac:`);
    expect(error.message).not.toContain(SECRET);
  });

  it('reads string and JSON secrets', async () => {
    const store = new FileSecretStore(file(JSON.stringify({ hmac: SECRET, api: { token: 't-1' } })));
    expect(await store.getSecret({ secretId: 'hmac' })).toBe(SECRET);
    expect(await store.getSecret({ secretId: 'api', jsonKey: 'token' })).toBe('t-1');
  });

  it('a forced re-read of a broken file is a SecretUnavailableError (tried again), not a crash', async () => {
    const path = file(JSON.stringify({ hmac: SECRET }));
    const store = new FileSecretStore(path);
    writeFileSync(path, `{"hmac": ${SECRET}`); // half-saved by an editor
    const error = await store
      .getSecret({ secretId: 'hmac' }, { forceRefresh: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(error).toMatchObject({ secretId: 'hmac' });
    expect((error as Error).message).not.toContain('s3cret');
  });
});
