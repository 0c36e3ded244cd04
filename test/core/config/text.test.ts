// Config text a person typed: an empty file, a YAML mistake and a misspelt key each get a message
// that says what and where, as a ConfigError (exit 2), never a TypeError from deep inside.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { parseConfigText } from '../../../lambda/core/config/text';
import { ConfigError } from '../../../lambda/core/errors';

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const destination = { id: 'd', url: 'https://api.example.com/hook' };
const route = { id: 'r', signingSecret: { secretId: 'hmac' }, destinations: [destination] };

describe('parseConfigText: empty and broken text', () => {
  it.each([
    ['an empty file', ''],
    ['blank lines', '\n\n  \n'],
    ['comments only', '# routes will come here\n# later\n'],
    ['an explicit null document', '~\n'],
  ])('calls %s an empty config', (_case, text) => {
    expect(problemsOf(() => parseConfigText(text, 'bridge.yaml'))).toEqual([
      'bridge.yaml: config is empty (nothing but comments or blank lines): it needs at least routes (see tfe-bridge init)',
    ]);
  });

  it('shows where a YAML mistake is, with the lines around it and a caret, not a dangling colon', () => {
    const problems = problemsOf(() =>
      parseConfigText('routes:\n  - id: a\n  - id: a\nroutes: []\n', 'b.yaml'),
    );
    expect(problems).toEqual([
      'b.yaml:4:1: not valid YAML/JSON: Map keys must be unique\n      - id: a\n    routes: []\n    ^',
    ]);
  });

  it('keeps a caret under the column of a JSON mistake', () => {
    const [problem] = problemsOf(() => parseConfigText('{"routes": [}', 'b.json'));
    expect(problem?.split('\n')).toEqual([
      'b.json:1:13: not valid YAML/JSON: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '    {"routes": [}',
      '                ^',
    ]);
  });

  it('refuses a null route and a null config as values, not with a TypeError', () => {
    expect(problemsOf(() => parseConfig({ routes: [null] }))).toEqual(['routes[0]: must be object']);
    expect(problemsOf(() => parseConfig(null))).toEqual([
      'config is empty: it needs at least routes (see tfe-bridge init)',
    ]);
  });
});

describe('parseConfig: unknown keys, with the closest allowed key at any depth', () => {
  it.each([
    [
      'a destination key',
      { ...destination, tempalte: { preset: 'slack' } },
      'routes[0].destinations[0]: unknown key "tempalte" (did you mean "template"?)',
    ],
    [
      'an auth key inside one branch of a union',
      { ...destination, auth: { type: 'bearer', secret: { secretId: 't' }, prefx: 'x' } },
      'routes[0].destinations[0].auth: unknown key "prefx"',
    ],
    [
      'a secret reference key',
      { ...destination, auth: { type: 'bearer', secret: { secretId: 't', jsnKey: 'k' } } },
      'routes[0].destinations[0].auth.secret: unknown key "jsnKey" (did you mean "jsonKey"?)',
    ],
    [
      'a retry key, in another case',
      { ...destination, retry: { MaxAttempts: 3 } },
      'routes[0].destinations[0].retry: unknown key "MaxAttempts" (did you mean "maxAttempts"?)',
    ],
    [
      'a key nothing resembles',
      { ...destination, colour: 'red' },
      'routes[0].destinations[0]: unknown key "colour"',
    ],
    [
      'two keys, each with its own suggestion',
      { ...destination, fitler: {}, timeoutMS: 5 },
      'routes[0].destinations[0]: unknown keys "fitler" (did you mean "filter"?), "timeoutMS" (did you mean "timeoutMs"?)',
    ],
  ])('names %s', (_case, input, problem) => {
    expect(problemsOf(() => parseConfig({ routes: [{ ...route, destinations: [input] }] }))).toContain(
      problem,
    );
  });

  it('does not suggest a key the object already sets', () => {
    const problems = problemsOf(() =>
      parseConfig({ routes: [{ ...route, destinations: [{ ...destination, urls: 'x' }] }] }),
    );
    expect(problems).toContain('routes[0].destinations[0]: unknown key "urls"');
  });

  it('suggests top-level and route keys', () => {
    const problems = problemsOf(() => parseConfig({ rotues: [], replayGuard: { ttlSecond: 700 } }));
    expect(problems).toEqual(
      expect.arrayContaining([
        '(config): unknown key "rotues" (did you mean "routes"?)',
        'replayGuard: unknown key "ttlSecond" (did you mean "ttlSeconds"?)',
      ]),
    );
    const routeProblems = problemsOf(() =>
      parseConfig({ routes: [{ id: 'r', signingSecrets: { secretId: 'x' }, destinations: [destination] }] }),
    );
    expect(routeProblems).toContain(
      'routes[0]: unknown key "signingSecrets" (did you mean "signingSecret"?)',
    );
  });
});
