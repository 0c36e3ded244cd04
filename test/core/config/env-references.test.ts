// `${NAME}` / `${NAME:-default}` in config values: replaced from the environment given, one string
// each, templates untouched, and every reference that cannot be replaced reported with its path.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are config text, ${NAME} in them is the syntax under test.
import { describe, expect, it } from 'vitest';
import { replaceEnvReferences } from '../../../lambda/core/config/env-references';
import { parseConfigText } from '../../../lambda/core/config/text';
import { ConfigError } from '../../../lambda/core/errors';

const configText = (url: string, template = '{ preset: passthrough }') => `
routes:
  - id: demo
    signingSecret: { secretId: hmac }
    allowInsecureHttp: true
    destinations:
      - id: echo
        url: "${url}"
        template: ${template}
`;
const urlOf = (text: string, env: Record<string, string | undefined>) =>
  parseConfigText(text, 'bridge.yaml', env).routes[0]?.destinations[0]?.url;

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('environment references in a config', () => {
  it('replaces ${NAME} and uses a default when the variable is unset or empty', () => {
    const text = configText('http://${HOST:-127.0.0.1}:${ECHO_PORT:-9999}/callback');
    expect(urlOf(text, {})).toBe('http://127.0.0.1:9999/callback');
    expect(urlOf(text, { ECHO_PORT: '' })).toBe('http://127.0.0.1:9999/callback');
    expect(urlOf(text, { ECHO_PORT: '10000', HOST: 'localhost' })).toBe('http://localhost:10000/callback');
  });

  it('reports each unset variable without a default, and a malformed reference, with its path', () => {
    expect(
      problemsOf(() => replaceEnvReferences({ a: ['${MISSING}'], b: { c: 'x${NOT-A-NAME}' } }, {})),
    ).toEqual([
      'a[0]: environment variable MISSING is not set (or give a default: ${MISSING:-value})',
      'b.c: "${" starts an environment variable: write ${NAME} or ${NAME:-default} (or $${ for a literal ${)',
    ]);
  });

  it('keeps $${ as a literal ${, and a $ elsewhere as it is', () => {
    expect(replaceEnvReferences({ v: 'pa$$word $${HOME} $HOME' }, { HOME: '/root' })).toEqual({
      v: 'pa$$word ${HOME} $HOME',
    });
  });

  it('puts a value in as one string: YAML, quotes or references in it stay text', () => {
    const hostile = '9999/x"\n  extra: true\n${OTHER}';
    expect(replaceEnvReferences({ url: 'http://h:${P}' }, { P: hostile, OTHER: 'no' })).toEqual({
      url: `http://h:${hostile}`,
    });
    expect(
      problemsOf(() => parseConfigText(configText('http://127.0.0.1:${P}/'), 'c', { P: 'abc' })),
    ).toEqual(['routes[0].destinations[0].url: must be an http(s) URL']);
  });

  it('leaves templates alone: `$` is JSONata’s', () => {
    const template = `{ jsonata: '\${"k": $}' }`;
    const config = parseConfigText(configText('http://127.0.0.1:1/', template), 'c', {});
    expect(config.routes[0]?.destinations[0]?.template).toEqual({ jsonata: '${"k": $}' });
  });

  it('keeps a __proto__ key a key', () => {
    const replaced = replaceEnvReferences(JSON.parse('{"__proto__": {"x": "${A}"}}'), { A: 'a' });
    expect(Object.hasOwn(replaced as object, '__proto__')).toBe(true);
    expect(({} as { x?: string }).x).toBeUndefined();
  });
});
