// Benchmark 1, receiver throughput and latency: signed run notifications at a fixed rate and at
// saturation against a bare node:http receiver (the limit), an Express + raw-body receiver (what
// a user would write), Hono alone doing the same (the floor of the chosen stack) and tfe-bridge
// local mode with its jobs going to a counting sink.
import { type LoadResult, runLoad } from './load';
import { BENCH_ROUTE_ID, runNotificationBodies, signNotification } from './notifications';
import { type ServerChild, startServerChild } from './server-child';
import type { ServerKind } from './server-process';
import { median, medianRatio, percentile } from './stats';
import { type Check, formatNumber, formatRatio, type Section } from './table';

export const FIXED_RATE = 500;
export const MIN_THROUGHPUT_RATIO = 0.7;
export const MAX_P99_AT_FIXED_RATE_MS = 5;

export interface ReceiverOptions {
  rounds: number;
  durationS: number;
  warmUpS: number;
  connections: number;
  log: (line: string) => void;
}

const SUBJECTS: ReadonlyArray<{ kind: ServerKind; label: string }> = [
  { kind: 'bare', label: 'bare node:http' },
  { kind: 'express', label: 'Express + raw-body' },
  { kind: 'hono', label: 'Hono alone' },
  { kind: 'bridge-sink', label: 'tfe-bridge local' },
];

type Mode = 'fixed' | 'saturation';

export async function benchReceiver(options: ReceiverOptions): Promise<Section> {
  const { rounds, durationS, connections, log } = options;
  const notifications = runNotificationBodies().map(signNotification);
  const servers = new Map<ServerKind, ServerChild>();
  for (const { kind } of SUBJECTS) servers.set(kind, await startServerChild(kind));
  const results = new Map<string, LoadResult[]>();
  const load = async (kind: ServerKind, mode: Mode, seconds: number) => {
    const server = servers.get(kind) as ServerChild;
    const result = await runLoad({
      url: server.url,
      path: `/hooks/${BENCH_ROUTE_ID}`,
      notifications,
      connections,
      durationS: seconds,
      ...(mode === 'fixed' ? { rate: FIXED_RATE } : {}),
    });
    if (result.failed > 0) throw new Error(`${kind}: ${result.failed} requests failed or were not 2xx`);
    return result;
  };
  try {
    for (const { kind } of SUBJECTS) await load(kind, 'saturation', options.warmUpS);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < SUBJECTS.length; i++) {
        const { kind } = SUBJECTS[(i + round) % SUBJECTS.length] as (typeof SUBJECTS)[number];
        for (const mode of ['fixed', 'saturation'] as const) {
          const key = `${kind}/${mode}`;
          results.set(key, [...(results.get(key) ?? []), await load(kind, mode, durationS)]);
        }
      }
      log(`receiver: round ${round + 1}/${rounds}`);
    }
    const sink = await servers.get('bridge-sink')?.stats();

    const values = (kind: ServerKind, mode: Mode, pick: (r: LoadResult) => number) =>
      (results.get(`${kind}/${mode}`) ?? []).map(pick);
    const rps = (r: LoadResult) => r.rps;
    const p = (q: number) => (r: LoadResult) => percentile(r.latenciesMs, q);
    const metric = (label: string, mode: Mode, pick: (r: LoadResult) => number, digits?: number) => [
      label,
      ...SUBJECTS.map(({ kind }) => formatNumber(median(values(kind, mode, pick)), digits)),
    ];
    const ratio = (label: string, mode: Mode, pick: (r: LoadResult) => number) => [
      label,
      ...SUBJECTS.map(({ kind }) =>
        formatRatio(medianRatio(values(kind, mode, pick), values('bare', mode, pick))),
      ),
    ];
    const rows = [
      ratio('ratio vs bare: req/s at saturation', 'saturation', rps),
      ratio(`ratio vs bare: p99 at ${FIXED_RATE} req/s`, 'fixed', p(99)),
      metric('req/s at saturation', 'saturation', rps),
      metric('  p50 ms at saturation', 'saturation', p(50)),
      metric('  p99 ms at saturation', 'saturation', p(99)),
      metric(`req/s at fixed ${FIXED_RATE} req/s`, 'fixed', rps),
      metric(`  p50 ms at ${FIXED_RATE} req/s`, 'fixed', p(50)),
      metric(`  p99 ms at ${FIXED_RATE} req/s`, 'fixed', p(99)),
    ];
    const throughputRatio = medianRatio(
      values('bridge-sink', 'saturation', rps),
      values('bare', 'saturation', rps),
    );
    const bridgeP99 = median(values('bridge-sink', 'fixed', p(99)));
    const checks: Check[] = [
      {
        name: 'receiver throughput, tfe-bridge / bare',
        value: formatRatio(throughputRatio),
        target: `>= ${formatRatio(MIN_THROUGHPUT_RATIO)}`,
        pass: throughputRatio >= MIN_THROUGHPUT_RATIO,
      },
      {
        // Not a target: how much of the gap to bare is the chosen framework's, not the bridge's.
        name: 'receiver throughput, tfe-bridge / Hono alone',
        value: formatRatio(
          medianRatio(values('bridge-sink', 'saturation', rps), values('hono', 'saturation', rps)),
        ),
        target: `(Hono alone / bare: ${formatRatio(medianRatio(values('hono', 'saturation', rps), values('bare', 'saturation', rps)))})`,
        pass: null,
      },
      {
        name: `receiver p99 at ${FIXED_RATE} req/s`,
        // The bare server's own p99 shows this machine's floor for the absolute target.
        value: `${formatNumber(bridgeP99)} ms (bare ${formatNumber(median(values('bare', 'fixed', p(99))))})`,
        target: `< ${MAX_P99_AT_FIXED_RATE_MS} ms`,
        pass: bridgeP99 < MAX_P99_AT_FIXED_RATE_MS,
      },
    ];
    return {
      title: `1. Receiver (autocannon in this process, each server in its own; ${connections} keep-alive connections, median of ${rounds} rounds of ${durationS} s)`,
      notes: [
        `${notifications.length} signed run notifications (HashiCorp's fixtures) round-robin; every answer checked 2xx;`,
        'bare, Express and Hono alone (on @hono/node-server) verify the HMAC and answer 200; tfe-bridge runs createApp there too',
        `(verify, classify, route, one job per destination) and answers 202; its sink counted ${formatNumber(sink?.jobs ?? 0)} jobs.`,
      ],
      header: ['', ...SUBJECTS.map((s) => s.label)],
      rows,
      checks,
    };
  } finally {
    await Promise.all([...servers.values()].map((server) => server.close()));
  }
}
