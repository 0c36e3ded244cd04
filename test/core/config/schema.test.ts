import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfig } from '../../../lambda/core/config/parse';
import { parseConfigText } from '../../../lambda/core/config/text';
import { ConfigError } from '../../../lambda/core/errors';

const destination = { id: 'callback', url: 'https://api.example.com/hook' };
const route = { id: 'runs', signingSecret: { secretId: 'hmac' }, destinations: [destination] };

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('config was accepted');
}

describe('parseConfig', () => {
  it('fills in the documented defaults', () => {
    const config = parseConfig({ routes: [route] });
    expect(config.routes[0]).toMatchObject({ allowUnsigned: false, allowInsecureHttp: false });
    expect(config.routes[0]?.destinations[0]).toMatchObject({
      auth: { type: 'none' },
      template: { preset: 'passthrough' },
      timeoutMs: 10_000,
      retry: { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 },
      circuitBreaker: { failures: 20, coolDownMs: 60_000 },
    });
    expect(config.routes[0]?.destinations[0]?.rateLimit).toBeUndefined();
    expect(config.maxConcurrency).toBeUndefined();
  });

  it('takes a rate limit (burst defaults to 1) and a circuit breaker that can be turned off', () => {
    const config = parseConfig({
      maxConcurrency: 4,
      routes: [
        {
          ...route,
          destinations: [{ ...destination, rateLimit: { perSecond: 0.5 }, circuitBreaker: false }],
        },
      ],
    });
    expect(config.maxConcurrency).toBe(4);
    expect(config.routes[0]?.destinations[0]).toMatchObject({
      rateLimit: { perSecond: 0.5, burst: 1 },
      circuitBreaker: false,
    });
  });

  it.each([
    [
      'an http URL without allowInsecureHttp',
      { routes: [{ ...route, destinations: [destination, { id: 'b', url: 'http://x.example' }] }] },
      'routes[0].destinations[1].url: must be https (or set allowInsecureHttp: true on the route)',
    ],
    [
      'a route with neither signingSecret nor allowUnsigned',
      { routes: [{ id: 'r', destinations: [destination] }] },
      'routes[0].signingSecret: is required (or set allowUnsigned: true to accept unsigned requests)',
    ],
    ['a typo in a key', { routes: [{ ...route, destinatons: [] }] }, 'routes[0]: unknown key "destinatons"'],
    [
      'an unknown auth type',
      { routes: [{ ...route, destinations: [{ ...destination, auth: { type: 'oauth' } }] }] },
      'routes[0].destinations[0].auth.type: must be one of: none, bearer, header, basic, oauth2, aws-iam',
    ],
    [
      'a bearer auth without its secret',
      { routes: [{ ...route, destinations: [{ ...destination, auth: { type: 'bearer' } }] }] },
      'routes[0].destinations[0].auth.secret: is required',
    ],
    [
      'a secret URL without secretId',
      { routes: [{ ...route, destinations: [{ ...destination, url: { secret: {} } }] }] },
      'routes[0].destinations[0].url.secret.secretId: is required',
    ],
    [
      'an unknown preset',
      { routes: [{ ...route, destinations: [{ ...destination, template: { preset: 'fax' } }] }] },
      'routes[0].destinations[0].template.preset: must be one of: passthrough, slack, teams, discord, pagerduty, github-dispatch, generic',
    ],
    [
      'the pagerduty preset without its routingKey secret',
      { routes: [{ ...route, destinations: [{ ...destination, template: { preset: 'pagerduty' } }] }] },
      'routes[0].destinations[0].secrets.routingKey: is required by the pagerduty preset: add secrets: { routingKey: { secretId: ... } }',
    ],
    [
      'a template secret name JSONata cannot read as $secrets.NAME',
      {
        routes: [
          { ...route, destinations: [{ ...destination, secrets: { 'routing-key': { secretId: 'pd' } } }] },
        ],
      },
      'routes[0].destinations[0].secrets.routing-key: must be a name usable as $secrets.NAME (letters, digits, "_")',
    ],
    [
      'a template with two sources',
      {
        routes: [
          { ...route, destinations: [{ ...destination, template: { preset: 'passthrough', jsonata: '$' } }] },
        ],
      },
      'routes[0].destinations[0].template: must set exactly one of preset, jsonata or file',
    ],
    [
      'a Host header',
      { routes: [{ ...route, destinations: [{ ...destination, headers: { Host: 'evil' } }] }] },
      'routes[0].destinations[0].headers.Host: is set by the bridge and cannot be configured',
    ],
    [
      'duplicate destination ids',
      { routes: [{ ...route, destinations: [destination, destination] }] },
      'routes[0].destinations[1].id: duplicate id "callback"',
    ],
    ['duplicate route ids', { routes: [route, route] }, 'routes[1].id: duplicate id "runs"'],
    ['no routes', { routes: [] }, 'routes: must list at least one route'],
    [
      'a negative timeout',
      { routes: [{ ...route, destinations: [{ ...destination, timeoutMs: 0 }] }] },
      'routes[0].destinations[0].timeoutMs: must be at least 1',
    ],
    [
      'a zero rate limit',
      { routes: [{ ...route, destinations: [{ ...destination, rateLimit: { perSecond: 0 } }] }] },
      'routes[0].destinations[0].rateLimit.perSecond: must be at least 0.001',
    ],
    [
      'circuitBreaker: true',
      { routes: [{ ...route, destinations: [{ ...destination, circuitBreaker: true }] }] },
      'routes[0].destinations[0].circuitBreaker: must be false (to turn it off) or { failures, coolDownMs }',
    ],
    [
      'a circuit breaker that never opens',
      { routes: [{ ...route, destinations: [{ ...destination, circuitBreaker: { failures: 0 } }] }] },
      'routes[0].destinations[0].circuitBreaker.failures: must be at least 1',
    ],
    ['a zero maxConcurrency', { routes: [route], maxConcurrency: 0 }, 'maxConcurrency: must be at least 1'],
    [
      'an id with a slash',
      { routes: [{ ...route, id: 'a/b' }] },
      'routes[0].id: must be 1-64 characters: letters, digits, ".", "_", "-"',
    ],
  ])('rejects %s, naming the field', (_case, input, problem) => {
    expect(problemsOf(input)).toContain(problem);
  });

  it('reports every bad field in one pass', () => {
    const problems = problemsOf({
      routes: [{ id: 'r', destinations: [{ id: 'a', url: 'http://x.example', extra: 1 }] }],
    });
    expect(problems).toEqual([
      'routes[0].destinations[0]: unknown key "extra"',
      'routes[0].signingSecret: is required (or set allowUnsigned: true to accept unsigned requests)',
      'routes[0].destinations[0].url: must be https (or set allowInsecureHttp: true on the route)',
    ]);
  });

  it('accepts an http URL when the route allows insecure http, and a list of signing secrets', () => {
    const config = parseConfig({
      routes: [
        {
          ...route,
          signingSecret: [{ secretId: 'new' }, { secretId: 'old' }],
          allowInsecureHttp: true,
          destinations: [{ id: 'a', url: 'http://127.0.0.1:1/x' }],
        },
      ],
    });
    expect(config.routes[0]?.allowInsecureHttp).toBe(true);
  });
});

describe('parseConfigText', () => {
  it('reads YAML and JSON alike', () => {
    const yaml =
      'routes:\n  - id: runs\n    allowUnsigned: true\n    destinations:\n      - { id: a, url: "https://a.example" }\n';
    expect(parseConfigText(yaml).routes[0]?.id).toBe('runs');
    expect(parseConfigText(JSON.stringify({ routes: [route] })).routes[0]?.id).toBe('runs');
  });

  it('names the file when the text is not YAML', () => {
    expect(() => parseConfigText('routes: [', 'bridge.yaml')).toThrow(
      /bridge\.yaml:1:\d+: not valid YAML\/JSON/,
    );
  });
});

describe('configJsonSchema', () => {
  it('describes the config for editors, with defaults as optional', () => {
    const schema = configJsonSchema() as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(['routes']);
    const text = JSON.stringify(schema);
    for (const key of ['signingSecret', 'allowInsecureHttp', 'destinations', 'jsonKey', 'maxAttempts']) {
      expect(text).toContain(`"${key}"`);
    }
  });
});
