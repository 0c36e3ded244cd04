// How the presets fit the services' size limits: what is cut, in which order, and how it says so.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DISPATCH_BYTES } from '../../../../lambda/core/render/presets/github-dispatch';
import { firstUnits, truncate } from '../../../../lambda/core/render/presets/helpers';
import { MAX_TEAMS_BYTES } from '../../../../lambda/core/render/presets/teams';
import { fixture } from '../../../support/fixtures';
import { HOSTILE_SAMPLES, runWith } from '../../../support/preset-samples';
import { bodyOf, renderPreset as render } from './render';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
/** No lone surrogate (String.isWellFormed is ES2024). */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

describe('truncate', () => {
  it('cuts between graphemes: a family emoji, a flag, a letter with its accent stay whole', () => {
    expect(truncate('ab👩‍👩‍👧‍👦', 10)).toBe('ab…');
    expect(truncate('🇺🇦🇺🇦', 5)).toBe('🇺🇦…');
    expect(truncate('e\u0301e\u0301', 3)).toBe('e\u0301…');
  });

  it('fits both UTF-16 units and code points, keeps a prefix and leaves no lone surrogate', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (text, max) => {
          const cut = truncate(text, max);
          expect(cut.length).toBeLessThanOrEqual(max);
          expect(text.startsWith(cut.endsWith('…') && cut !== text ? cut.slice(0, -1) : cut)).toBe(true);
          expect(wellFormed(cut)).toBe(true);
        },
      ),
    );
  });

  it('cuts a grapheme longer than the limit between code points', () => {
    const zalgo = `a${'\u0301'.repeat(50)}`;
    expect(firstUnits(zalgo, 10)).toBe(zalgo.slice(0, 10));
    expect(firstUnits('🚀🚀', 3)).toBe('🚀');
  });
});

describe('github-dispatch', () => {
  it('sends the payload unchanged as `raw` when it fits', async () => {
    const body = fixture('tfe-run-errored');
    expect((await render('github-dispatch', body)).client_payload.raw).toEqual(JSON.parse(body));
  });

  it('cuts the long strings of an oversized `raw` first, and says so', async () => {
    const dispatch = await render('github-dispatch', bodyOf('hostile-long-run-message'));
    expect(bytes(dispatch)).toBeLessThanOrEqual(MAX_DISPATCH_BYTES);
    expect(dispatch.client_payload.raw).toMatchObject({ tfe_bridge_truncated: true, run_id: 'x' });
    expect(dispatch.client_payload.raw.run_message).toBe(`${'m'.repeat(1023)}…`);
    expect(dispatch.client_payload.raw.notifications[0].trigger).toBe('run:errored');
  });

  it('drops `raw` when cutting its strings is not enough', async () => {
    const keys = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    const dispatch = await render('github-dispatch', { ...runWith(() => 'x'), ...keys });
    expect(dispatch.client_payload.raw).toEqual({ tfe_bridge_truncated: true });
    expect(dispatch.event_type).toBe('run:errored');
  });

  it.each([3000, 100_000])(
    'cuts a payload nested %i deep, which JSON.stringify cannot serialize',
    async (depth) => {
      const body = `{"trigger":"run:errored","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const dispatch = await render('github-dispatch', body);
      expect(dispatch.client_payload.raw).toMatchObject({
        trigger: 'run:errored',
        tfe_bridge_truncated: true,
      });
      expect(bytes(dispatch)).toBeLessThanOrEqual(MAX_DISPATCH_BYTES);
    },
  );

  it('keeps a `__proto__` key of a cut payload a key', async () => {
    const body = `{"__proto__":{"polluted":true},${JSON.stringify(runWith(() => 'p'.repeat(70_000))).slice(1)}`;
    const dispatch = await render('github-dispatch', body);
    expect(Object.hasOwn(dispatch.client_payload.raw, '__proto__')).toBe(true);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('discord', () => {
  it('cuts an emoji description to 4096 UTF-16 units, whole emoji only', async () => {
    const embed = (await render('discord', bodyOf('hostile-long-emoji'))).embeds[0];
    expect(embed.description.length).toBeLessThanOrEqual(4096);
    expect(wellFormed(embed.description)).toBe(true);
    expect(embed.description.endsWith('🚀…')).toBe(true);
  });

  it('never ends a cut text in half an escape', async () => {
    const embed = (
      await render(
        'discord',
        runWith(() => '*'.repeat(5000)),
      )
    ).embeds[0];
    expect(embed.title).toMatch(/^(\\\*)+…$/);
  });
});

describe('teams', () => {
  it.each(HOSTILE_SAMPLES)('keeps $name under its 28 KB budget', async ({ body }) => {
    expect(bytes(await render('teams', body))).toBeLessThanOrEqual(MAX_TEAMS_BYTES);
  });

  it('keeps a card that fits as it is', async () => {
    const card = await render(
      'teams',
      runWith(() => 'm'.repeat(3000)),
    );
    expect(JSON.stringify(card)).toContain('m'.repeat(3000));
  });
});
