// The fault-injection scenario: signed notifications over several routes and destinations whose
// servers fail a share of requests in every way a real API does, and a secret store that throttles.
// Counts what happened to every accepted notification.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../lambda/adapters/local/config-file';
import { LocalStore } from '../../lambda/adapters/local/local-store';
import type { SecretRef } from '../../lambda/core/config/schema';
import { SecretUnavailableError } from '../../lambda/core/errors';
import type { SecretStore } from '../../lambda/core/ports';
import { startLocalBridge } from '../../lambda/local';
import { CaptureLogger } from '../support/capture-logger';
import { type Behaviour, type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { signedRequest } from '../support/signed-request';

/** mulberry32: a seeded generator, so a failing run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULTS: Array<ReturnType<Behaviour>> = [
  { status: 500 },
  { status: 503, headers: { 'retry-after': '0' } },
  { status: 429 },
  'reset',
  'stall', // holds the request, then drops the connection without an answer
];
// Nothing here races the bridge's timeout: a 200 that reaches the bridge after its timer fired
// (a slow answer, or any answer on a loaded machine) is delivered twice, at least once by design,
// which made the duplicate count depend on the machine's speed. The timeout itself is tested in
// test/e2e/local-bridge.test.ts; here it is far above any answer's time.

/** A destination failing `faultShare` of requests; records when each body was delivered (2xx). */
export function faultyBehaviour(
  random: () => number,
  faultShare: number,
  delivered: Map<string, number[]>,
): Behaviour {
  return (request) => {
    const reply = random() < faultShare ? FAULTS[Math.floor(random() * FAULTS.length)] : { status: 200 };
    if (reply && typeof reply === 'object' && reply.status === 200) {
      delivered.set(request.body, [...(delivered.get(request.body) ?? []), Date.now()]);
    }
    return reply ?? { status: 200 };
  };
}

export interface FaultyRoute {
  id: string;
  signingSecret: { secretId: 'hmac' };
  allowInsecureHttp: true;
  destinations: Array<Record<string, unknown>>;
}

/**
 * Routes r0, r1, ... each with destinations a and b (bearer `token`) on servers failing
 * `faultShare` of requests, started into `servers` (for the caller to close).
 * `deliveredBy` holds, per "route/destination", when each body was delivered.
 */
export async function startFaultyRoutes(
  options: { routeCount: number; random: () => number; faultShare: number; retry: Record<string, number> },
  servers: DestinationServer[],
): Promise<{ routes: FaultyRoute[]; deliveredBy: Map<string, Map<string, number[]>> }> {
  const deliveredBy = new Map<string, Map<string, number[]>>();
  const routes: FaultyRoute[] = [];
  for (let r = 0; r < options.routeCount; r++) {
    const destinations = [];
    for (const name of ['a', 'b']) {
      const delivered = new Map<string, number[]>();
      const server = await startDestination(faultyBehaviour(options.random, options.faultShare, delivered));
      servers.push(server);
      deliveredBy.set(`r${r}/${name}`, delivered);
      destinations.push({
        id: name,
        url: server.url,
        auth: { type: 'bearer', secret: { secretId: 'token' } },
        timeoutMs: 10_000,
        retry: options.retry,
      });
    }
    routes.push({ id: `r${r}`, signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations });
  }
  return { routes, deliveredBy };
}

/** Fails `share` of delivery-secret reads as throttled (signing secrets are left alone so the
 *  receiver's answers stay about the scenario, not about its own secret store). */
class ThrottlingSecretStore implements SecretStore {
  throttled = 0;
  constructor(
    private readonly values: Record<string, string>,
    private readonly random: () => number,
    private readonly share: number,
  ) {}
  async getSecret(ref: SecretRef): Promise<string> {
    if (ref.secretId !== 'hmac' && this.random() < this.share) {
      this.throttled++;
      throw new SecretUnavailableError(`secret "${ref.secretId}" read throttled`, ref.secretId);
    }
    const value = this.values[ref.secretId];
    if (value === undefined)
      throw new SecretUnavailableError(`secret "${ref.secretId}" not found`, ref.secretId);
    return value;
  }
}

export interface ScenarioOptions {
  notifications: number;
  faultShare: number;
  routes?: number;
  /** A destination that answers 503 to everything for the whole run. */
  withDownDestination?: boolean;
  duplicates?: number;
  seed?: number;
}

export interface ScenarioResult {
  accepted: number;
  delivered: number;
  deadLettered: number;
  lost: number;
  duplicatesDelivered: number;
  outOfOrder: number;
  throttledSecretReads: number;
  /** Dead letters by reason (exhausted, permanent, ...). */
  deadLetterReasons: Record<string, number>;
  healthyLatencyMs: { p50: number; p99: number };
  elapsedMs: number;
}

const HMAC = 'fault-scenario-signing-token';
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function runFaultScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const random = seededRandom(options.seed ?? 42);
  const routeCount = options.routes ?? 4;
  const servers: DestinationServer[] = [];
  const retry = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 40 };
  const { routes, deliveredBy } = await startFaultyRoutes(
    { routeCount, random, faultShare: options.faultShare, retry },
    servers,
  );
  if (options.withDownDestination) {
    const down = await startDestination(() => ({ status: 503 }));
    servers.push(down);
    routes[0]?.destinations.push({ id: 'down', url: down.url, timeoutMs: 300, retry });
  }
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-faults-'));
  writeFileSync(join(dir, 'bridge.yaml'), stringify({ routes }));
  const storePath = join(dir, 'bridge.db');
  const secrets = new ThrottlingSecretStore(
    { hmac: HMAC, token: 'fault-scenario-bearer-token' },
    random,
    0.05,
  );
  const logger = new CaptureLogger();
  const bridge = await startLocalBridge({
    loaded: loadConfigFile(join(dir, 'bridge.yaml')),
    logger,
    secrets,
    storePath,
    port: 0,
    random,
  });

  const template = fixture('tfe-run-completed-captured');
  const sentAt = new Map<string, number>();
  const accepted = new Map<string, string[]>(); // route → bodies in acceptance order
  const started = Date.now();
  const send = async (n: number) => {
    const route = `r${n % routeCount}`;
    const body = template.replace('run-vnWnJSpBcUFUTaVJ', `run-${String(n).padStart(8, '0')}`);
    sentAt.set(body, Date.now());
    const res = await fetch(`${bridge.url}/hooks/${route}`, signedRequest({ body, secret: HMAC }));
    if (res.status !== 202) throw new Error(`notification ${n} answered ${res.status}`);
    await res.arrayBuffer();
    accepted.set(route, [...(accepted.get(route) ?? []), body]);
    return { route, body };
  };
  // Bounded concurrency, like a busy HCP Terraform organisation.
  const CONCURRENCY = 16;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < options.notifications) await send(next++);
    }),
  );
  // Client duplicates inside the dedup window: same bytes again.
  for (let i = 0; i < (options.duplicates ?? 0); i++) {
    const route = `r${i % routeCount}`;
    const body = accepted.get(route)?.[i] ?? '';
    const res = await fetch(`${bridge.url}/hooks/${route}`, signedRequest({ body, secret: HMAC }));
    if (res.status !== 202) throw new Error(`duplicate ${i} answered ${res.status}`);
  }
  // Every accepted job ends delivered or dead-lettered; the store keeps what a stop leaves.
  while (bridge.pending > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  await bridge.close(60_000);
  const elapsedMs = Date.now() - started;
  await Promise.all(servers.map((server) => server.close()));

  const store = LocalStore.open(storePath, { mustExist: true });
  const letters = store.jobs.deadLetters().map(({ letter }) => letter);
  store.close();
  let acceptedJobs = 0;
  let delivered = 0;
  let duplicatesDelivered = 0;
  let outOfOrder = 0;
  let lost = 0;
  const latencies: number[] = [];
  for (const [key, bodies] of deliveredBy) {
    const [route, destination] = key.split('/');
    const sent = accepted.get(route ?? '') ?? [];
    acceptedJobs += sent.length;
    const dead = new Set(
      letters.filter((l) => l.routeId === route && l.destinationId === destination).map((l) => l.payload),
    );
    let lastIndex = -1;
    for (const body of sent) {
      const times = bodies.get(body);
      if (times) {
        delivered++;
        duplicatesDelivered += times.length - 1;
        latencies.push((times[0] ?? 0) - (sentAt.get(body) ?? 0));
      } else if (!dead.has(body)) lost++;
    }
    // Order: delivered bodies must reach the destination in acceptance order.
    const order = [...bodies.keys()].map((body) => sent.indexOf(body));
    for (const index of order) {
      if (index < lastIndex) outOfOrder++;
      lastIndex = index;
    }
  }
  const deadLettered = letters.filter((l) => l.destinationId !== 'down').length;
  latencies.sort((a, b) => a - b);
  return {
    accepted: acceptedJobs,
    delivered,
    deadLettered,
    lost,
    duplicatesDelivered,
    outOfOrder,
    throttledSecretReads: secrets.throttled,
    deadLetterReasons: letters.reduce<Record<string, number>>((counts, l) => {
      counts[l.reason] = (counts[l.reason] ?? 0) + 1;
      return counts;
    }, {}),
    healthyLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    elapsedMs,
  };
}
