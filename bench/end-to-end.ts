// Benchmark 4, end to end in local mode: notifications into the whole local bridge (receiver +
// in-process delivery queue, in its own process) out to 3 real destinations, against the sender
// POSTing each notification straight to the 3 destinations itself.
import { type DestinationSink, startDestinationSink } from './destination-sink';
import { createSender, type Sender, sendBurst, sendPaced } from './http-sender';
import { BENCH_ROUTE_ID, runNotificationBodies, uniqueRunNotification } from './notifications';
import { type ServerChild, startServerChild } from './server-child';
import { median, medianRatio, percentile } from './stats';
import { type Check, formatNumber, formatRatio, type Section } from './table';

const DESTINATIONS = 3;
const SENDER_SOCKETS = 64;
const DRAIN_TIMEOUT_MS = 120_000;
const WARM_UP_NOTIFICATIONS = 300;

export interface EndToEndOptions {
  rounds: number;
  /** Notifications in the burst (the 5,000). */
  burst: number;
  burstConcurrency: number;
  /** Notifications and rate of the paced run: a load the bridge keeps up with, so latency is not queueing. */
  paced: number;
  pacedRate: number;
  log: (line: string) => void;
}

interface RunResult {
  /** First send to the last 2xx answer the sender got. */
  answeredMs: number;
  /** First send to the last delivery arriving at a destination. */
  deliveredMs: number;
  /** Per delivery: arrival at the destination minus the start of its notification's send. */
  latenciesMs: number[];
}

/** Where the sender POSTs: straight to the destinations, or to a bridge. */
interface Path {
  key: string;
  label: string;
  bridge?: ServerChild;
}

interface Rig {
  sinks: DestinationSink[];
  sender: Sender;
  templates: string[];
  /** The next unused notification number: the bridge drops a body it saw in the last 5 minutes. */
  next: number;
}

async function runOnce(
  rig: Rig,
  path: Path,
  count: number,
  mode: 'burst' | 'paced',
  options: EndToEndOptions,
): Promise<RunResult> {
  const first = rig.next;
  rig.next += count;
  const notifications = Array.from({ length: count }, (_, i) =>
    uniqueRunNotification(first + i, rig.templates[i % rig.templates.length] as string),
  );
  for (const sink of rig.sinks) sink.reset(count, first);
  const sentAt = new Float64Array(count);
  let lastAnswer = 0;
  const post = async (url: string, i: number, expected: number) => {
    const { body, headers } = notifications[i] as (typeof notifications)[number];
    const status = await rig.sender.post(url, body, headers);
    if (status !== expected)
      throw new Error(`${path.label}: ${url} answered ${status}, expected ${expected}`);
    lastAnswer = performance.now();
  };
  const send = async (i: number) => {
    sentAt[i] = performance.now();
    if (path.bridge) await post(`${path.bridge.url}/hooks/${BENCH_ROUTE_ID}`, i, 202);
    else await Promise.all(rig.sinks.map((sink) => post(sink.url, i, 200)));
  };
  const started = performance.now();
  if (mode === 'burst') await sendBurst(count, options.burstConcurrency, send);
  else await sendPaced(count, options.pacedRate, send);
  try {
    await Promise.all(rig.sinks.map((sink) => sink.waitFor(count, DRAIN_TIMEOUT_MS)));
  } catch (error) {
    const received = rig.sinks.map((sink) => sink.received).join(', ');
    const stats = path.bridge ? JSON.stringify(await path.bridge.stats()) : '';
    throw new Error(`${path.label}, ${mode}: ${received} of ${count} delivered per destination ${stats}`, {
      cause: error,
    });
  }
  const latenciesMs: number[] = [];
  let lastArrival = 0;
  for (const sink of rig.sinks) {
    sink.arrivals.forEach((at, i) => {
      latenciesMs.push(at - (sentAt[i] as number));
      lastArrival = Math.max(lastArrival, at);
    });
  }
  return { answeredMs: lastAnswer - started, deliveredMs: lastArrival - started, latenciesMs };
}

export async function benchEndToEnd(options: EndToEndOptions): Promise<Section> {
  const { rounds, log } = options;
  const sinks = await Promise.all(Array.from({ length: DESTINATIONS }, () => startDestinationSink()));
  const destinations = sinks.map((sink, i) => ({ id: `destination-${i + 1}`, url: `${sink.url}/hook` }));
  const bridges = await Promise.all([startServerChild('bridge-local', { destinations })]);
  const paths: Path[] = [
    { key: 'direct', label: 'direct' },
    { key: 'bridge', label: 'via bridge (as serve runs)', bridge: bridges[0] as ServerChild },
  ];
  const sender = createSender(SENDER_SOCKETS);
  const rig: Rig = { sinks, sender, templates: runNotificationBodies(), next: 0 };
  const results = new Map<string, RunResult[]>();
  const record = (key: string, result: RunResult) => results.set(key, [...(results.get(key) ?? []), result]);
  try {
    // Warm-up: JIT and connections on every path.
    for (const path of paths) await runOnce(rig, path, WARM_UP_NOTIFICATIONS, 'burst', options);
    for (let round = 0; round < rounds; round++) {
      const order = paths.map((_, i) => paths[(i + round) % paths.length] as Path);
      for (const path of order)
        record(`${path.key}/burst`, await runOnce(rig, path, options.burst, 'burst', options));
      for (const path of order)
        record(`${path.key}/paced`, await runOnce(rig, path, options.paced, 'paced', options));
      log(`end to end: round ${round + 1}/${rounds}`);
    }
    const deadLetters = (await Promise.all(bridges.map((b) => b.stats()))).reduce(
      (sum, stats) => sum + (stats.deadLetters ?? 0),
      0,
    );

    const values = (key: string, pick: (r: RunResult) => number) => (results.get(key) ?? []).map(pick);
    const latency = (q: number) => (r: RunResult) => percentile(r.latenciesMs, q);
    const row = (label: string, mode: string, pick: (r: RunResult) => number) => {
      const direct = values(`direct/${mode}`, pick);
      const bridged = paths.slice(1).map((path) => values(`${path.key}/${mode}`, pick));
      return [
        label,
        ...bridged.map((v) => formatRatio(medianRatio(v, direct))),
        formatNumber(median(direct)),
        ...bridged.map((v) => formatNumber(median(v))),
      ];
    };
    const burst = `burst of ${formatNumber(options.burst)}`;
    const paced = `${formatNumber(options.paced)} at ${options.pacedRate}/s`;
    const rows = [
      row(`${burst}: all answered, ms`, 'burst', (r) => r.answeredMs),
      row(`${burst}: last delivery, ms`, 'burst', (r) => r.deliveredMs),
      row(`${burst}: delivery latency p50, ms`, 'burst', latency(50)),
      row(`${burst}: delivery latency p99, ms`, 'burst', latency(99)),
      row(`${paced}: delivery latency p50, ms`, 'paced', latency(50)),
      row(`${paced}: delivery latency p99, ms`, 'paced', latency(99)),
    ];
    const checks: Check[] = [
      {
        name: 'end to end: nothing dead-lettered',
        value: `${deadLetters}`,
        target: '0',
        pass: deadLetters === 0,
      },
    ];
    return {
      title: `4. End to end, local mode (${DESTINATIONS} destinations on 127.0.0.1, median of ${rounds} rounds)`,
      notes: [
        "direct: the sender POSTs each notification to the 3 destinations itself (the destinations' own cost);",
        'via bridge: it POSTs once to the local bridge (own process; passthrough, bearer auth), which answers',
        '202 and delivers to the 3 destinations, one lane per destination (in order, one request at a time).',
        '"as serve runs": every job is a row in the SQLite store before the 202 (crash safety).',
        `latency = arrival at the destination - start of the send; burst: ${options.burstConcurrency} in flight.`,
      ],
      header: ['', 'serve/direct', 'direct', 'via bridge (serve)'],
      rows,
      checks,
    };
  } finally {
    sender.close();
    await Promise.all(bridges.map((bridge) => bridge.close()));
    await Promise.all(sinks.map((sink) => sink.close()));
  }
}
