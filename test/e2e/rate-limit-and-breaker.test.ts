// Per-destination rate limits and circuit breakers, end to end: the real local bridge on a real
// port, destinations on 127.0.0.1 that throttle (429 above N/s) or go down and come back.
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import { type Behaviour, type DestinationServer, downWhile, limitRate } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { parseExposition, sampleValue } from '../support/prometheus-text';
import { signedRequest } from '../support/signed-request';

const HMAC = 'e2e-signing-token-0001';

const { destination, bridge: startBridge } = closeAfterEach();

async function bridge(destinations: unknown[]): Promise<TestBridge> {
  return startBridge(
    { routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations }] },
    { hmac: HMAC },
  );
}

/** Distinct notifications (a run id each), in the order they are sent. */
const notifications = (count: number) =>
  Array.from({ length: count }, (_, n) =>
    fixture('tfe-run-completed-captured').replace(
      'run-vnWnJSpBcUFUTaVJ',
      `run-${String(n).padStart(8, '0')}`,
    ),
  );

async function postAll(b: TestBridge, bodies: string[]): Promise<void> {
  for (const body of bodies) {
    const res = await fetch(`${b.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));
    expect(res.status).toBe(202);
  }
}

/** The destination server records requests, not its answers: this keeps the statuses too. */
function recordingStatuses(behaviour: Behaviour) {
  const statuses: number[] = [];
  const wrapped: Behaviour = (request, n) => {
    const reply = behaviour(request, n);
    statuses.push(typeof reply === 'string' ? 0 : reply.status);
    return reply;
  };
  /** Bodies the destination accepted (2xx), in arrival order. */
  const accepted = (server: DestinationServer) =>
    server.received
      .filter((_, i) => (statuses[i] ?? 0) >= 200 && (statuses[i] ?? 0) < 300)
      .map((r) => r.body);
  return { wrapped, statuses, accepted };
}

describe('rate limit', () => {
  it('delivers everything to a destination that answers 429 above 5/s, slowing only that one', async () => {
    const { wrapped, statuses, accepted } = recordingStatuses(limitRate(5));
    const throttled = await destination(wrapped);
    const healthy = await destination();
    const b = await bridge([
      // Configured above what the destination takes, so its 429s have to slow the lane down.
      {
        id: 'throttled',
        url: throttled.url,
        rateLimit: { perSecond: 8, burst: 1 },
        retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 },
      },
      { id: 'healthy', url: healthy.url },
    ]);
    const bodies = notifications(15);
    await postAll(b, bodies);

    await healthy.waitFor(15);
    // The healthy destination had everything while the throttled one was still working through its lane.
    expect(accepted(throttled).length).toBeLessThan(15);
    expect(healthy.received.map((r) => r.body)).toEqual(bodies);

    await eventually(() => (accepted(throttled).length === 15 ? true : undefined), 20_000);
    expect(accepted(throttled)).toEqual(bodies);
    expect(b.deadLetters()).toEqual([]);
    // The destination answers before the lane marks the job done.
    await eventually(() => (b.pending === 0 ? true : undefined));
    // It was throttled, slowed down, and waited for tokens, with the destination named.
    expect(statuses).toContain(429);
    expect(b.logger.withMessage('rate limit lowered after 429')[0]).toMatchObject({
      level: 'warn',
      route: 'runs',
      destination: 'throttled',
      perSecond: 4,
    });
    expect(b.logger.withMessage('rate limit wait').length).toBeGreaterThan(0);
    expect(b.logger.withMessage('rate limit wait').every((e) => e.destination === 'throttled')).toBe(true);
  }, 30_000);
});

describe('circuit breaker', () => {
  const RETRY = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 };

  it('pauses a destination that is down, keeps its jobs, and delivers them in order once a probe succeeds', async () => {
    let down = true;
    const api = await destination(downWhile(() => down));
    const b = await bridge([
      { id: 'api', url: api.url, retry: RETRY, circuitBreaker: { failures: 3, coolDownMs: 300 } },
    ]);
    const bodies = notifications(5);
    await postAll(b, bodies);

    const [opened] = await eventually(() => {
      const lines = b.logger.withMessage('circuit opened');
      return lines.length > 0 ? lines : undefined;
    });
    expect(opened).toMatchObject({
      level: 'warn',
      route: 'runs',
      destination: 'api',
      consecutiveFailures: 3,
      coolDownMs: 300,
    });
    // Two failed probes later the circuit is still open, the jobs are all still queued, none is
    // dead-lettered (the first job's third failure opened the circuit: held, not exhausted).
    await eventually(() => (b.logger.withMessage('circuit probe').length >= 2 ? true : undefined));
    const probes = b.logger.withMessage('circuit probe').length;
    expect(api.received.length).toBeLessThanOrEqual(3 + probes);
    expect(api.received.every((r) => r.body === bodies[0])).toBe(true);
    expect(b.pending).toBe(5);
    expect(b.deadLetters()).toEqual([]);

    down = false;
    await eventually(() => (b.pending === 0 ? true : undefined), 10_000);
    const attemptsWhileDown = api.received.length - bodies.length;
    expect(api.received.slice(attemptsWhileDown).map((r) => r.body)).toEqual(bodies);
    expect(b.deadLetters()).toEqual([]);
    expect(b.logger.withMessage('circuit closed')).toEqual([
      expect.objectContaining({ level: 'info', route: 'runs', destination: 'api' }),
    ]);
    // The failed probes were the breaker's, not the job's: with maxAttempts 3 the first job was
    // tried more often than that and was still delivered.
    expect(attemptsWhileDown).toBeGreaterThan(RETRY.maxAttempts);

    // The same changes as metrics, for the stack's CircuitOpenedAlarm (locally on /metrics).
    const exposition = parseExposition(await (await fetch(`${b.url}/metrics`)).text());
    const changes = (state: string) =>
      sampleValue(exposition, 'tfe_bridge_circuit_changes_total', {
        route: 'runs',
        destination: 'api',
        state,
      });
    // A failed probe opens the circuit again: as many openings as probes (the last one closed it).
    expect(changes('opened')).toBe(b.logger.withMessage('circuit opened').length);
    expect(changes('probe')).toBe(b.logger.withMessage('circuit probe').length);
    expect(changes('opened')).toBe(changes('probe'));
    expect(changes('closed')).toBe(1);
  }, 20_000);

  it('without the breaker the same outage spends every retry and dead-letters every job', async () => {
    const api = await destination(downWhile(() => true));
    const b = await bridge([{ id: 'api', url: api.url, retry: RETRY, circuitBreaker: false }]);
    await postAll(b, notifications(5));
    const letters = await eventually(() => (b.deadLetters().length === 5 ? b.deadLetters() : undefined));
    expect(letters.map((l) => l.reason)).toEqual(Array(5).fill('exhausted'));
    expect(api.received).toHaveLength(15);
    expect(b.logger.withMessage('circuit opened')).toEqual([]);
  });

  it('keeps what an open circuit still holds at shutdown pending, not dead-lettered', async () => {
    const api = await destination(downWhile(() => true));
    const b = await bridge([
      { id: 'api', url: api.url, retry: RETRY, circuitBreaker: { failures: 1, coolDownMs: 60_000 } },
    ]);
    await postAll(b, notifications(2));
    await eventually(() => (b.logger.withMessage('circuit opened').length > 0 ? true : undefined));
    expect(await b.close(200)).toEqual({ pending: 2 });
    expect(b.deadLetters()).toEqual([]);
    expect(api.received).toHaveLength(1);
  });
});
