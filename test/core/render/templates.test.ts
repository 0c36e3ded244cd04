import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { ConfigError, TemplateError } from '../../../lambda/core/errors';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compileTemplate, compileTemplates } from '../../../lambda/core/render/templates';
import { fixture } from '../../support/fixtures';

const inputOf = (name: string) => {
  const body = fixture(name);
  return { body, notification: classifyPayload(JSON.parse(body)) };
};

describe('templates', () => {
  it('passthrough returns the original body byte for byte', async () => {
    const input = inputOf('tfe-run-planned');
    expect(await compileTemplate({ preset: 'passthrough' })(input)).toBe(input.body);
  });

  it('renders a JSONata expression over the payload, with $kind and $triggers bound', async () => {
    const render = compileTemplate({
      jsonata: '{ "text": workspace_name & ": " & notifications[0].message, "kind": $kind, "t": $triggers }',
    });
    expect(JSON.parse(await render(inputOf('tfe-run-errored')))).toEqual({
      text: 'my-workspace: Run Canceled',
      kind: 'run',
      t: ['run:errored'],
    });
  });

  it('reads named secrets through $secrets', async () => {
    const render = compileTemplate({ jsonata: '{ "routing_key": $secrets.routingKey }' });
    expect(await render({ ...inputOf('tfe-run-errored'), secrets: { routingKey: 'rk-123' } })).toBe(
      '{"routing_key":"rk-123"}',
    );
  });

  it('reads { file } templates through the given reader', async () => {
    const render = compileTemplate(
      { file: 'x.jsonata' },
      { readFile: (path) => (path === 'x.jsonata' ? '{"id": run_id}' : '') },
    );
    expect(await render(inputOf('tfe-run-errored'))).toBe('{"id":"run-FwnENkvDnrpyFC7M"}');
  });

  it('fails with a TemplateError when the expression yields nothing', async () => {
    const render = compileTemplate({ jsonata: 'no_such_field' });
    await expect(render(inputOf('tfe-run-errored'))).rejects.toThrow(
      new TemplateError('template produced no output for this payload'),
    );
  });

  it('fails with a TemplateError, not a RangeError, when the result nests too deeply to serialize', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const body = fixture('tfe-run-errored').replace(/}\s*$/, `, "details": ${deep}}`);
    const render = compileTemplate({ jsonata: 'details' });
    await expect(render({ body, notification: classifyPayload(JSON.parse(body)) })).rejects.toThrow(
      new TemplateError('template failed: Maximum call stack size exceeded'),
    );
  });

  it('stops a runaway recursive expression instead of hanging', async () => {
    const render = compileTemplate({ jsonata: '($f := function($n) { $f($n + 1) }; $f(0))' });
    await expect(render(inputOf('tfe-run-errored'))).rejects.toThrow(/template failed: D10(11|12)/);
  });
});

describe('compileTemplates', () => {
  it('refuses the config when an expression does not compile, naming the field', () => {
    const config = parseConfig({
      routes: [
        {
          id: 'r',
          allowUnsigned: true,
          destinations: [{ id: 'a', url: 'https://a.example', template: { jsonata: '{ "x": ' } }],
        },
      ],
    });
    let error: unknown;
    try {
      compileTemplates(config);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(
      /^routes\[0\]\.destinations\[0\]\.template\.jsonata: S0\d{3}: /,
    );
  });
});
