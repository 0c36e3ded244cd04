// The run timeline a live message shows: read from notifications, merged deterministically (a retry
// or a duplicate gives the same edit), bounded against hostile bodies.
import { describe, expect, it } from 'vitest';
import { parseLiveMessage } from '../../../lambda/core/deliver/live/live-state';
import {
  MAX_TIMELINE_STEPS,
  mergeTimeline,
  newSteps,
  runIdOf,
  stepsOf,
  timelineLines,
} from '../../../lambda/core/deliver/live/timeline';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { fixture } from '../../support/fixtures';
import { runLife } from '../../support/run-life';

const notificationOf = (body: string) => classifyPayload(JSON.parse(body) as Record<string, unknown>);
const life = runLife().map(notificationOf);

describe('run timeline', () => {
  it('keys a run payload by its run id, and nothing else', () => {
    expect(runIdOf(life[0] ?? notificationOf('{}'))).toBe('run-vnWnJSpBcUFUTaVJ');
    expect(runIdOf(notificationOf(fixture('assessment-drifted')))).toBeNull();
    const hostile = JSON.parse(fixture('tfe-run-planned')) as Record<string, unknown>;
    for (const id of ['', '../../x', 'run-1#2', 'r'.repeat(101), 42]) {
      expect(runIdOf(notificationOf(JSON.stringify({ ...hostile, run_id: id })))).toBeNull();
    }
  });

  it('lists the steps of a life in time order, whatever order they arrive in', () => {
    const steps = life.flatMap(stepsOf);
    const forward = steps.reduce((timeline, step) => mergeTimeline(timeline, [step]), mergeTimeline([], []));
    const backward = [...steps]
      .reverse()
      .reduce((timeline, step) => mergeTimeline(timeline, [step]), mergeTimeline([], []));
    expect(backward).toEqual(forward);
    expect(timelineLines(forward)).toEqual([
      '2020-09-09 07:40:15 UTC  pending (Run Created)',
      '2020-09-09 07:40:17 UTC  planning (Run Planning)',
      '2020-09-09 07:40:40 UTC  policy_override (Run Needs Attention)',
      '2020-09-09 07:41:02 UTC  applying (Run Applying)',
      '2020-09-09 07:41:30 UTC  errored (Run Errored)',
    ]);
  });

  it('merges the same notification twice into the same timeline (a retried attempt edits alike)', () => {
    const stored = mergeTimeline([], stepsOf(life[0] ?? notificationOf('{}')));
    const planning = stepsOf(life[1] ?? notificationOf('{}'));
    const once = mergeTimeline(stored, planning);
    expect(mergeTimeline(once, planning)).toEqual(once);
    expect(newSteps(once, planning)).toEqual([]);
    expect(newSteps(stored, planning)).toEqual(planning);
  });

  it('bounds a hostile roll-up: thousands of entries, control characters, huge text', () => {
    const payload = JSON.parse(fixture('tfe-run-planned')) as Record<string, unknown>;
    payload.notifications = Array.from({ length: 5_000 }, (_, i) => ({
      message: `M\u0000\u001b[31m${'x'.repeat(100)}`,
      run_status: `s${i}`,
      run_updated_at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    }));
    payload.notifications = [...(payload.notifications as unknown[]), null, 7, 'text', { nothing: true }];
    const steps = stepsOf(notificationOf(JSON.stringify(payload)));
    expect(steps.length).toBeLessThanOrEqual(MAX_TIMELINE_STEPS);
    const timeline = mergeTimeline(mergeTimeline([], steps), steps);
    expect(timeline.length).toBeLessThanOrEqual(MAX_TIMELINE_STEPS);
    for (const step of timeline) {
      expect(step.message.length).toBeLessThanOrEqual(80);
      expect(step.message).not.toMatch(/\p{Cc}/u);
    }
  });

  it('keeps the first step and the latest ones past the bound', () => {
    const step = (i: number) => ({
      at: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
      status: `s${i}`,
      message: '',
    });
    const timeline = Array.from({ length: 100 }, (_, i) => step(i)).reduce(
      (t, s) => mergeTimeline(t, [s]),
      mergeTimeline([], []),
    );
    expect(timeline).toHaveLength(MAX_TIMELINE_STEPS);
    expect(timeline[0]?.status).toBe('s0');
    expect(timeline.at(-1)?.status).toBe('s99');
  });

  it('reads a damaged stored record as no message', () => {
    expect(parseLiveMessage({ messageId: '', channel: null, timeline: [] })).toBeUndefined();
    expect(parseLiveMessage({ messageId: '1', channel: 3, timeline: [] })).toBeUndefined();
    expect(parseLiveMessage({ messageId: '1', channel: null, timeline: {} })).toBeUndefined();
    expect(
      parseLiveMessage({
        messageId: '1',
        channel: 'C1',
        timeline: [{ at: 1 }, { at: '', status: 's', message: '' }],
      }),
    ).toEqual({
      messageId: '1',
      channel: 'C1',
      timeline: [{ at: '', status: 's', message: '' }],
    });
  });
});
