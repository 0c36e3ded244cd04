// An in-memory SecretStore for unit tests of code that reads secrets (values can be changed to
// simulate a rotation; reads are counted).
import type { SecretRef } from '../../lambda/core/config/schema';
import { SecretUnavailableError } from '../../lambda/core/errors';
import type { SecretStore } from '../../lambda/core/ports';
import { selectSecretValue } from '../../lambda/core/secrets';

export class MemorySecretStore implements SecretStore {
  readonly values: Map<string, unknown>;
  reads = 0;
  forcedReads = 0;

  constructor(values: Record<string, unknown> = {}) {
    this.values = new Map(Object.entries(values));
  }

  async getSecret(ref: SecretRef, options: { forceRefresh?: boolean } = {}): Promise<string> {
    this.reads++;
    if (options.forceRefresh) this.forcedReads++;
    if (!this.values.has(ref.secretId))
      throw new SecretUnavailableError(`secret "${ref.secretId}" not found`, ref.secretId);
    return selectSecretValue(this.values.get(ref.secretId), ref);
  }
}
