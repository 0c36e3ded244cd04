// `tls` (a client certificate) at load and in `validate --secrets`: https only, each part a secret
// that must hold PEM text.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { checkSecrets } from '../../../lambda/core/config/secret-check';
import { ConfigError } from '../../../lambda/core/errors';
import { MemorySecretStore } from '../../support/memory-secret-store';

const TLS = { cert: { secretId: 'mtls', jsonKey: 'cert' }, key: { secretId: 'mtls', jsonKey: 'key' } };
const configWith = (url: string) => ({
  routes: [
    {
      id: 'runs',
      signingSecret: { secretId: 'hmac' },
      allowInsecureHttp: true,
      destinations: [{ id: 'secure', url, tls: TLS }],
    },
  ],
});

describe('tls in the config', () => {
  it('refuses a client certificate on a plain http URL', () => {
    expect(() => parseConfig(configWith('http://intake.internal/hook'))).toThrow(ConfigError);
    try {
      parseConfig(configWith('http://intake.internal/hook'));
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'routes[0].destinations[0].tls: a client certificate needs an https URL',
      ]);
    }
  });

  it('reports a part that is not PEM, by its config path, without its value', async () => {
    const config = parseConfig(configWith('https://intake.example.com/hook'));
    const store = new MemorySecretStore({
      hmac: 'signing-token',
      mtls: {
        cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        key: 'c2VjcmV0LWtleQ==',
      },
    });
    const problems = await checkSecrets(config, store);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      [
        'routes[0].destinations[0].tls.key',
        expect.stringContaining(
          "is not PEM: expected text with a -----BEGIN ...----- line (store the file's contents)",
        ),
      ],
    ]);
    expect(JSON.stringify(problems)).not.toContain('c2VjcmV0LWtleQ==');
  });
});
