import { describe, expect, it } from 'vitest';
import { extractErrorExcerpt, MAX_EXCERPT_CHARS } from '../../../lambda/core/enrich/log-excerpt';
import { readApiFixtureFile } from '../../support/hcp-terraform-server';

const fixture = readApiFixtureFile('examples/hcp-api/run-errored.json');

// Terraform's own plain-text error output (internal/cloud/testdata/plan-with-error/plan.log shape).
const PLAIN = [
  '\u0002Terraform v0.12.0',
  '',
  'Configuring remote state backend...',
  'Initializing Terraform configuration...',
  '',
  '\u001b[31m\u001b[1m\u001b[31mError: \u001b[0m\u001b[0m\u001b[1mUnsupported block type\u001b[0m',
  '',
  '  on main.tf line 2, in resource "null_resource" "foo":',
  '   2:   triggers {',
  '',
  'Blocks of type "triggers" are not expected here.',
  '\u0003',
].join('\n');

describe('extractErrorExcerpt', () => {
  it('takes the error diagnostics of a structured log (summary and detail), STX/ETX stripped', () => {
    const excerpt = extractErrorExcerpt(fixture['/v1/object/apply-log-dmF1bHQ6djE6'] as string);
    expect(excerpt).toBe(
      'Error: creating SQS Queue (workers-0): AccessDenied\nUser: arn:aws:sts::123456789012:assumed-role/tfc-apply is not authorized to perform: sqs:createqueue',
    );
  });

  it('takes the error lines of a plain-text log, without colours or control characters', () => {
    const excerpt = extractErrorExcerpt(PLAIN);
    expect(excerpt).toBe(
      'Error: Unsupported block type\n\n  on main.tf line 2, in resource "null_resource" "foo":\n   2:   triggers {\n\nBlocks of type "triggers" are not expected here.',
    );
    const controls = [...(excerpt ?? '')].filter((c) => c !== '\n' && (c.codePointAt(0) ?? 32) < 32);
    expect(controls).toEqual([]);
  });

  it('strips the box-drawing frame of newer Terraform output', () => {
    const log = 'Plan: 1 to add\n╷\n│ Error: Invalid reference\n│ \n│   on main.tf line 3:\n╵\n';
    expect(extractErrorExcerpt(log)).toBe('Error: Invalid reference\n\n  on main.tf line 3:');
  });

  it('caps at 500 characters and masks the token', () => {
    const token = 'atlasv1.SECRET-token-value';
    const huge = `Error: ${token} ${'x'.repeat(5000)}`;
    const excerpt = extractErrorExcerpt(huge, [token]) ?? '';
    expect([...excerpt].length).toBe(MAX_EXCERPT_CHARS);
    expect(excerpt).not.toContain(token);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  it('limits structured diagnostics to the first three, and survives hostile lines', () => {
    const line = (n: number) =>
      JSON.stringify({
        '@level': 'error',
        diagnostic: { summary: `boom ${n}`, detail: '<!channel> @everyone' },
      });
    const log = ['{not json', '{"@level":"error"}', line(1), line(2), line(3), line(4), 'null', '[]'].join(
      '\n',
    );
    const excerpt = extractErrorExcerpt(log) ?? '';
    expect(excerpt).toContain('boom 3');
    expect(excerpt).not.toContain('boom 4');
    // Escaping is the preset's job: the excerpt keeps the text as written.
    expect(excerpt).toContain('<!channel>');
  });

  it('is null for an empty log, and the last lines of a log without an error line', () => {
    expect(extractErrorExcerpt('\u0002\u0003')).toBeNull();
    expect(extractErrorExcerpt('')).toBeNull();
    expect(extractErrorExcerpt('line 1\nline 2\nkilled')).toBe('line 1\nline 2\nkilled');
  });
});
