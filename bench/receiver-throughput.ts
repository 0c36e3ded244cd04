// Benchmark 1, receiver throughput and latency: signed run notifications at a fixed rate and at
// saturation against a bare node:http receiver (the limit), an Express + raw-body receiver (what
// a user would write), Hono alone doing the same (the floor of the chosen stack) and tfe-bridge
// local mode with its jobs going to a counting sink.

import { startDestinationSink } from './destination-sink';
import { type LoadResult, runLoad } from './load';
import { BENCH_ROUTE_ID, runNotificationBodies, uniqueRunNotification } from './notifications';
import { type ServerChild, startServerChild } from './server-child';
import type { ServerKind } from './server-process';
import { median, medianRatio, percentile } from './stats';
import { type Check, formatNumber, formatRatio, type Section } from './table';

export const FIXED_RATE = 500;
export const MAX_P99_AT_FIXED_RATE_MS = 5;

export interface ReceiverOptions {
  rounds: number;
  durationS: number;
  warmUpS: number;
  connections: number;
  log: (line: string) => void;
}

type SubjectId = 'bare' | 'express' | 'hono' | 'bridge-sink' | 'bridge-store' | 'bridge-unmatched';
interface Subject {
  id: SubjectId;
  kind: ServerKind;
  label: string;
  /** The destination it delivers to, for the bridge with its store (started by this process). */
  delivers?: 'all' | 'none';
}

const SUBJECTS: readonly Subject[] = [
  { id: 'bare', kind: 'bare', label: 'bare node:http' },
  { id: 'express', kind: 'express', label: 'Express + raw-body' },
  { id: 'hono', kind: 'hono', label: 'Hono alone' },
  { id: 'bridge-sink', kind: 'bridge-sink', label: 'tfe-bridge, jobs to a counter' },
  {
    id: 'bridge-store',
    kind: 'bridge-local',
    label: 'tfe-bridge local, stored + delivered',
    delivers: 'all',
  },
  {
    id: 'bridge-unmatched',
    kind: 'bridge-local',
    label: 'tfe-bridge local, nothing matched',
    delivers: 'none',
  },
];

/** Distinct notifications per load run: more than the stored bridge answers in one run here. */
const POOL_SIZE = 3_000;

/** The receiver targets: tfe-bridge local with its store on, against Hono alone. */
export const MIN_RATIO_TO_HONO = 0.8;

type Mode = 'fixed' | 'saturation';

export async function benchReceiver(options: ReceiverOptions): Promise<Section> {
  const { rounds, durationS, connections, log } = options;
  // Every request a new run (as HashiCorp sends them): a bridge stores a repeated body only once.
  // Signed ahead of each run, so the load generator does not spend its time signing.
  const templates = runNotificationBodies();
  let sent = 0;
  const freshNotifications = () =>
    Array.from({ length: POOL_SIZE }, () =>
      uniqueRunNotification(++sent, templates[sent % templates.length] as string),
    );
  // Where the bridge with its store delivers: answers 200 at once, in this process.
  const destination = await startDestinationSink();
  const servers = new Map<SubjectId, ServerChild>();
  for (const subject of SUBJECTS) {
    const destinations = subject.delivers
      ? [
          {
            id: 'sink',
            url: destination.url,
            ...(subject.delivers === 'none' ? { workspaces: ['no-such-workspace'] } : {}),
          },
        ]
      : undefined;
    servers.set(subject.id, await startServerChild(subject.kind, destinations ? { destinations } : {}));
  }
  const results = new Map<string, LoadResult[]>();
  const load = async (id: SubjectId, mode: Mode, seconds: number) => {
    const server = servers.get(id) as ServerChild;
    const result = await runLoad({
      url: server.url,
      path: `/hooks/${BENCH_ROUTE_ID}`,
      notifications: freshNotifications(),
      connections,
      durationS: seconds,
      ...(mode === 'fixed' ? { rate: FIXED_RATE } : {}),
    });
    if (result.failed > 0) throw new Error(`${id}: ${result.failed} requests failed or were not 2xx`);
    return result;
  };
  try {
    for (const { id } of SUBJECTS) await load(id, 'saturation', options.warmUpS);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < SUBJECTS.length; i++) {
        const { id } = SUBJECTS[(i + round) % SUBJECTS.length] as Subject;
        for (const mode of ['fixed', 'saturation'] as const) {
          const key = `${id}/${mode}`;
          results.set(key, [...(results.get(key) ?? []), await load(id, mode, durationS)]);
        }
      }
      log(`receiver: round ${round + 1}/${rounds}`);
    }
    const sink = await servers.get('bridge-sink')?.stats();
    const stored = await servers.get('bridge-store')?.stats();

    const values = (id: SubjectId, mode: Mode, pick: (r: LoadResult) => number) =>
      (results.get(`${id}/${mode}`) ?? []).map(pick);
    const rps = (r: LoadResult) => r.rps;
    const p = (q: number) => (r: LoadResult) => percentile(r.latenciesMs, q);
    const metric = (label: string, mode: Mode, pick: (r: LoadResult) => number, digits?: number) => [
      label,
      ...SUBJECTS.map(({ id }) => formatNumber(median(values(id, mode, pick)), digits)),
    ];
    const ratio = (label: string, mode: Mode, pick: (r: LoadResult) => number) => [
      label,
      ...SUBJECTS.map(({ id }) =>
        formatRatio(medianRatio(values(id, mode, pick), values('bare', mode, pick))),
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
    const toHono = (id: SubjectId) =>
      medianRatio(values(id, 'saturation', rps), values('hono', 'saturation', rps));
    const bridgeP99 = median(values('bridge-store', 'fixed', p(99)));
    const checks: Check[] = [
      ...(['bridge-store', 'bridge-unmatched'] as const).map((id) => ({
        name: `receiver throughput, ${SUBJECTS.find((s) => s.id === id)?.label} / Hono alone`,
        value: formatRatio(toHono(id)),
        target: `>= ${formatRatio(MIN_RATIO_TO_HONO)}`,
        pass: toHono(id) >= MIN_RATIO_TO_HONO,
      })),
      {
        // Not a target: the physical limit, for information.
        name: 'receiver throughput, tfe-bridge local (stored) / bare',
        value: formatRatio(
          medianRatio(values('bridge-store', 'saturation', rps), values('bare', 'saturation', rps)),
        ),
        target: `(Hono alone / bare: ${formatRatio(medianRatio(values('hono', 'saturation', rps), values('bare', 'saturation', rps)))})`,
        pass: null,
      },
      {
        name: `receiver p99 at ${FIXED_RATE} req/s (stored + delivered)`,
        // The bare server's own p99 shows this machine's floor for the absolute target.
        value: `${formatNumber(bridgeP99)} ms (bare ${formatNumber(median(values('bare', 'fixed', p(99))))})`,
        target: `< ${MAX_P99_AT_FIXED_RATE_MS} ms`,
        pass: bridgeP99 < MAX_P99_AT_FIXED_RATE_MS,
      },
    ];
    return {
      title: `1. Receiver (autocannon in this process, each server in its own; ${connections} keep-alive connections, median of ${rounds} rounds of ${durationS} s)`,
      notes: [
        `signed run notifications (HashiCorp's ${templates.length} fixtures, ${formatNumber(POOL_SIZE)} new run ids per load run, round-robin); every answer checked 2xx;`,
        'bare, Express and Hono alone (on @hono/node-server) verify the HMAC and answer 200; tfe-bridge verifies, classifies,',
        `routes and answers 202: "jobs to a counter" hands its jobs to a counter (${formatNumber(sink?.jobs ?? 0)} jobs), "stored + delivered"`,
        `is local mode (SQLite store, pino log lines) delivering each to a sink in this process (${formatNumber(stored?.pending ?? 0)} still pending`,
        'at the end), "nothing matched" the same with a filter no notification matches (no job, nothing stored).',
      ],
      header: ['', ...SUBJECTS.map((s) => s.label)],
      rows,
      checks,
    };
  } finally {
    await Promise.all([...servers.values()].map((server) => server.close()));
    await destination.close();
  }
}
