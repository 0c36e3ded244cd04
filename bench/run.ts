// `npm run bench`: runs the six benchmarks, each subject against its baseline in the same run,
// and prints the machine, one table per benchmark and the targets. `-- --quick` for a smoke run,
// `-- --only receiver,cold-start,templates,end-to-end,burst,cost` for some of them,
// `-- --burst-notifications 400 --burst-workspaces 40` for a smaller burst.
import { parseArgs } from 'node:util';
import { benchBurst } from './burst';
import { benchColdStart } from './cold-start';
import { benchCost } from './cost';
import { benchEndToEnd } from './end-to-end';
import { describeLoad, describeMachine } from './machine';
import { benchReceiver } from './receiver-throughput';
import { type Check, formatChecks, formatSection, type Section } from './table';
import { benchTemplateRender } from './template-render';

const BENCHES = ['receiver', 'cold-start', 'templates', 'end-to-end', 'burst', 'cost'] as const;
type BenchName = (typeof BENCHES)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'burst-notifications': { type: 'string' },
    'burst-workspaces': { type: 'string' },
  },
});
const quick = values.quick ?? false;
const only = (values.only?.split(',').map((s) => s.trim()) ?? [...BENCHES]) as BenchName[];
const countOption = (name: 'burst-notifications' | 'burst-workspaces', fallback: number) => {
  const value = values[name];
  if (value === undefined) return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write(`--${name} must be a positive whole number, got ${value}\n`);
    process.exit(2);
  }
  return count;
};
const burstNotifications = countOption('burst-notifications', quick ? 200 : 2_000);
const burstWorkspaces = countOption('burst-workspaces', quick ? 20 : 200);
const unknown = only.filter((name) => !BENCHES.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench: ${unknown.join(', ')} (known: ${BENCHES.join(', ')})\n`);
  process.exit(2);
}

// Progress goes to stderr so stdout holds only the report.
const log = (line: string) => process.stderr.write(`  ... ${line}\n`);
const print = (text: string) => process.stdout.write(`${text}\n`);

const runs: Record<BenchName, () => Promise<Section>> = {
  receiver: () =>
    benchReceiver(
      quick
        ? { rounds: 1, durationS: 2, warmUpS: 1, connections: 10, log }
        : { rounds: 3, durationS: 5, warmUpS: 2, connections: 10, log },
    ),
  'cold-start': () => benchColdStart({ rounds: quick ? 3 : 10, log }),
  templates: () =>
    benchTemplateRender(quick ? { rounds: 2, sliceMs: 150, log } : { rounds: 5, sliceMs: 300, log }),
  'end-to-end': () =>
    benchEndToEnd(
      quick
        ? { rounds: 1, burst: 1_000, burstConcurrency: 32, paced: 200, pacedRate: 100, log }
        : { rounds: 3, burst: 5_000, burstConcurrency: 32, paced: 500, pacedRate: 100, log },
    ),
  burst: () =>
    benchBurst({
      notifications: burstNotifications,
      workspaces: burstWorkspaces,
      latencyMs: 200,
      // Below what a per-workspace engine delivers unthrottled, so the limit is what holds it back.
      rateLimited: { perSecond: 10, notifications: Math.min(burstNotifications, quick ? 100 : 300) },
      log,
    }),
  cost: () => benchCost({ notifications: quick ? 100 : 500, workspaces: quick ? 10 : 50, log }),
};

const started = performance.now();
print(`tfe-bridge bench${quick ? ' (--quick: fewer, shorter rounds)' : ''}, ${new Date().toISOString()}`);
for (const line of describeMachine()) print(line);
const checks: Check[] = [];
let failed = false;
for (const name of BENCHES.filter((n) => only.includes(n))) {
  print('');
  try {
    const section = await runs[name]();
    print(formatSection(section));
    checks.push(...section.checks);
  } catch (error) {
    failed = true;
    print(`${name}: FAILED: ${(error as Error).stack ?? String(error)}`);
  }
}
print('');
print(
  `Targets (${((performance.now() - started) / 1000).toFixed(0)} s in all; ${describeLoad()} at the end)`,
);
print(formatChecks(checks));
// A missed target is a finding, not a failure; a benchmark that could not run is.
process.exit(failed ? 1 : 0);
