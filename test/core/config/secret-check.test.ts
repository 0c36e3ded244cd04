import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { checkSecrets, formatSecretProblem } from '../../../lambda/core/config/secret-check';
import { MemorySecretStore } from '../../support/memory-secret-store';

const config = parseConfig({
  routes: [
    {
      id: 'runs',
      signingSecret: [{ secretId: 'hmac' }, { secretId: 'old' }],
      destinations: [
        { id: 'api', url: 'https://api.example', auth: { type: 'bearer', secret: { secretId: 'token' } } },
        {
          id: 'tickets',
          url: { secret: { secretId: 'hook' } },
          auth: {
            type: 'basic',
            username: { secretId: 'tickets', jsonKey: 'user' },
            password: { secretId: 'tickets', jsonKey: 'password' },
          },
        },
      ],
    },
  ],
});

describe('checkSecrets', () => {
  it('finds nothing when every secret is usable', async () => {
    const store = new MemorySecretStore({
      hmac: 'signing-token',
      old: 'old-signing-token',
      token: 'bearer-token',
      hook: 'https://hooks.example.com/x',
      // Basic credentials are base64-encoded: any character can be sent.
      tickets: { user: 'svc', password: 'pass\nword' },
    });
    expect(await checkSecrets(config, store)).toEqual([]);
  });

  it('reports every problem at once, telling signing secrets from destination secrets', async () => {
    const store = new MemorySecretStore({
      hmac: 'signing-token',
      old: '',
      token: 'REPLACE_ME',
      hook: 'http://hooks.example.com/x',
      tickets: '{"user":"svc"}',
    });
    const problems = await checkSecrets(config, store);
    expect(problems.map((problem) => [problem.signing, formatSecretProblem(problem)])).toEqual([
      [true, 'routes[0].signingSecret[1]: secret "old" is empty'],
      [false, 'routes[0].destinations[0].auth.secret: secret "token" still holds the placeholder REPLACE_ME'],
      [
        false,
        'routes[0].destinations[1].url.secret: secret "hook" holds no usable destination URL: it must be https (or set allowInsecureHttp: true on the route)',
      ],
      [
        false,
        'routes[0].destinations[1].auth.password: secret "tickets" has no string key "password": add it to the secret, or fix jsonKey in the config',
      ],
    ]);
    expect(problems[0]).toMatchObject({ path: 'routes[0].signingSecret[1]', secretId: 'old' });
  });
});
