// GET /metrics in local mode, scraped over real HTTP after real signed requests and real
// deliveries to destinations on 127.0.0.1: the counts match what happened.
import { describe, expect, it } from 'vitest';
import { PROMETHEUS_CONTENT_TYPE } from '../../lambda/adapters/local/prometheus-registry';
import { closeAfterEach } from '../support/closed-after-each';
import { answer, failTimes } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import type { TestBridge } from '../support/local-bridge';
import { type Exposition, parseExposition, sampleValue } from '../support/prometheus-text';
import { signedRequest } from '../support/signed-request';

const HMAC = 'metrics-signing-token-0001';
const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

const { destination, bridge: startBridge } = closeAfterEach();

async function scrape(bridge: TestBridge): Promise<Exposition> {
  const response = await fetch(`${bridge.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
  return parseExposition(await response.text());
}

/** Scrapes until `ready` holds (deliveries finish after the 202), or fails after 5 s. */
async function scrapeUntil(bridge: TestBridge, ready: (e: Exposition) => boolean): Promise<Exposition> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const exposition = await scrape(bridge);
    if (ready(exposition)) return exposition;
    if (Date.now() > deadline) throw new Error('metrics did not reach the expected state within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const total = (e: Exposition, name: string) =>
  e.samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);

describe('GET /metrics (local mode)', () => {
  it('counts requests by result and deliveries by destination and outcome, as they happened', async () => {
    const [api, flaky, broken] = await Promise.all([
      destination(answer(200)),
      destination(failTimes(1, 503)),
      destination(answer(400)),
    ]);
    const bridge = await startBridge(
      {
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'hmac' },
            allowInsecureHttp: true,
            destinations: [
              { id: 'api', url: api.url },
              { id: 'flaky', url: flaky.url, retry: FAST_RETRY },
              { id: 'broken', url: broken.url, retry: FAST_RETRY },
            ],
          },
        ],
      },
      { hmac: HMAC },
    );
    const post = (path: string, body: string, secret = HMAC) =>
      fetch(`${bridge.url}${path}`, signedRequest({ body, secret }));

    expect((await post('/hooks/runs', fixture('tfe-run-completed-captured'))).status).toBe(202);
    expect((await post('/hooks/runs', fixture('tfe-run-errored'))).status).toBe(202);
    expect((await post('/hooks/runs', fixture('tfe-verification'))).status).toBe(200);
    expect((await post('/hooks/runs', fixture('tfe-run-errored'), 'wrong-token')).status).toBe(401);
    expect((await post('/hooks/no-such-route', fixture('tfe-run-errored'))).status).toBe(404);
    expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);

    // 2 notifications × 3 destinations, plus the flaky one's retry: 7 outcomes.
    const e = await scrapeUntil(bridge, (x) => total(x, 'tfe_bridge_deliveries_total') >= 7);

    const received = (route: string, result: string) =>
      sampleValue(e, 'tfe_bridge_received_total', { route, result });
    expect(received('runs', 'accepted')).toBe(2);
    expect(received('runs', 'verified')).toBe(1);
    expect(received('runs', 'rejected_signature')).toBe(1);
    // An unknown route is not a label value: any URL would otherwise add a time series.
    expect(received('-', 'not_found')).toBe(1);
    expect(total(e, 'tfe_bridge_received_total')).toBe(5);

    const deliveries = (destination: string, outcome: string) =>
      sampleValue(e, 'tfe_bridge_deliveries_total', { route: 'runs', destination, outcome });
    expect(deliveries('api', 'delivered')).toBe(2);
    expect(deliveries('flaky', 'retried')).toBe(1);
    expect(deliveries('flaky', 'delivered')).toBe(2);
    expect(deliveries('broken', 'dead_lettered')).toBe(2);
    expect(total(e, 'tfe_bridge_deliveries_total')).toBe(7);
    expect(bridge.deadLetters().map((letter) => letter.destinationId)).toEqual(['broken', 'broken']);

    // One latency observation per attempt, each within the histogram's buckets.
    const latency = (destination: string, suffix: string, extra: Record<string, string> = {}) =>
      sampleValue(e, `tfe_bridge_delivery_latency_seconds_${suffix}`, {
        route: 'runs',
        destination,
        ...extra,
      });
    expect(latency('api', 'count')).toBe(2);
    expect(latency('flaky', 'count')).toBe(3);
    expect(latency('broken', 'count')).toBe(2);
    expect(latency('flaky', 'bucket', { le: '+Inf' })).toBe(3);
    expect(latency('flaky', 'sum')).toBeGreaterThan(0);

    // The local secrets file is read into memory, not cached: no cache samples, only the header.
    expect(e.type.get('tfe_bridge_secret_cache_total')).toBe('counter');
    expect(e.samples.filter((s) => s.name === 'tfe_bridge_secret_cache_total')).toEqual([]);
  });
});
