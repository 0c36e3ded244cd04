// Benchmark 2, cold start: bundle sizes of the Lambda entries (built as CDK builds them) and the
// time for a fresh node process to import the bundled receiver and answer its first request,
// against an empty handler bundled the same way.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { messageGroupIdFor, serializeJob } from '../lambda/adapters/aws/job-message';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { createJobs } from '../lambda/core/receive/jobs';
import { classifyPayload } from '../lambda/core/receive/payloads';
import { startDestination } from '../test/support/destination-server';
import { startDeliveryState } from '../test/support/local-dynamodb';
import { functionUrlEvent, sqsEvent, startLocalSqs } from '../test/support/local-sqs';
import { startSecretsManager } from '../test/support/secrets-manager-server';
import { BENCH_SECRETS, BENCH_TOKEN_SECRET_ID, benchConfig } from './bench-config';
import {
  type Bundle,
  bundleLikeCdk,
  importChain,
  LAMBDA_TARGET,
  largestContributors,
  packagesIn,
} from './bundle';
import { PROBE_RESULT_PREFIX, type ProbeResult } from './cold-start-probe';
import {
  BENCH_ROUTE_ID,
  BENCH_SIGNING_SECRET,
  BENCH_SIGNING_SECRET_ID,
  runNotificationBodies,
  signNotification,
  uniqueRunNotification,
} from './notifications';
import { median, medianRatio } from './stats';
import { type Check, formatNumber, formatRatio, type Section } from './table';
import { startTlsLatencyProxy, TEST_CA_PATH, type TlsLatencyProxy } from './tls-latency-proxy';

export const RECEIVER_MAX_BYTES = 300_000;
/** The receiver's first response against Hono alone doing the least (read, verify, parse, 202). */
export const FIRST_RESPONSE_MAX_RATIO = 1.25;
const ROOT = join(import.meta.dirname, '..');
const PROBE_TIMEOUT_MS = 30_000;
/** The "over TLS" rows: each round trip to an AWS fake. */
const NETWORK_ROUND_TRIP_MS = 5;

// Never called on the receiver's request path: stubbing them shows what lazy loading would give.
const UNUSED_ON_RECEIVER = {
  yaml: 'export const parse = () => { throw new Error("yaml is stubbed in this bench bundle"); };',
  jsonata: 'export default () => { throw new Error("jsonata is stubbed in this bench bundle"); };',
};

interface Subject {
  label: string;
  bundle: Bundle;
  /** Invoke the handler with the signed event (otherwise: import only). */
  invoke: boolean;
  expectStatus: number | null;
  sourceMaps: boolean;
  /** The event for one sample, when it must differ per sample (default: the signed request). */
  eventFor?: () => string;
  /** Extra environment (the worker's table and endpoints). */
  env?: Record<string, string>;
  /** Throws when the sample did not do its work (the worker's delivery did not arrive). */
  check?: () => void;
}

interface Sample {
  importMs: number;
  firstResponseMs: number;
  wallMs: number;
}

export interface ColdStartOptions {
  rounds: number;
  log: (line: string) => void;
}

const kB = (bytes: number) => `${formatNumber(bytes / 1000, 1)} kB`;

async function bundleProbe(outDir: string): Promise<string> {
  const path = join(outDir, 'probe.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'cold-start-probe.ts')],
    outfile: path,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_TARGET,
    logLevel: 'warning',
  });
  return path;
}

/** The environment Lambda gives a function, pointed at the local AWS endpoints. */
function lambdaEnv(
  endpoints: { sqs: string; secretsManager: string; queueUrl: string },
  sourceMaps: boolean,
) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: 'test',
    AWS_LAMBDA_FUNCTION_NAME: 'tfe-bridge-receiver',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    // The SDK warns that it will soon need Node 22; Lambda runs 24, this machine 20.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    QUEUE_URL: endpoints.queueUrl,
    DEAD_LETTER_QUEUE_URL: endpoints.queueUrl,
    // What infra sets on both functions.
    ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
  };
}

function runProbe(
  probe: string,
  subject: Subject,
  env: Record<string, string>,
  event: string,
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // BENCH_PROBE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=DIR" profiles every probe process.
    const nodeOptions = process.env.BENCH_PROBE_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...nodeOptions, probe], {
      env: {
        ...env,
        BENCH_HANDLER_PATH: subject.bundle.path,
        ...(subject.invoke ? { BENCH_EVENT: event } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('exit', () => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const line = stdout.split('\n').find((l) => l.startsWith(PROBE_RESULT_PREFIX));
      if (!line) return reject(new Error(`${subject.label}: probe printed no result\n${stderr || stdout}`));
      const result = JSON.parse(line.slice(PROBE_RESULT_PREFIX.length)) as ProbeResult;
      if (result.status !== subject.expectStatus) {
        return reject(
          new Error(
            `${subject.label}: answered ${result.status}, expected ${subject.expectStatus}\n${stdout}`,
          ),
        );
      }
      resolve({
        importMs: result.importedMs - result.bootedMs,
        firstResponseMs: result.answeredMs,
        wallMs,
      });
    });
  });
}

/** The SQS event the worker gets for the `n`th run notification's one job. */
function workerEvent(config: BridgeConfig, n: number): string {
  const template = runNotificationBodies()[0] ?? '{}';
  const { body } = uniqueRunNotification(n, template);
  const payload = JSON.parse(body) as Record<string, unknown>;
  const route = config.routes[0];
  if (!route) throw new Error('the bench config has no route');
  const [job] = createJobs(route.id, route.destinations, body, classifyPayload(payload), new Date());
  if (!job) throw new Error('the bench route has no destination');
  const message = {
    MessageId: `bench-${n}`,
    ReceiptHandle: `bench-receipt-${n}`,
    Body: serializeJob(job),
    Attributes: { ApproximateReceiveCount: '1', MessageGroupId: messageGroupIdFor(job) },
  };
  return JSON.stringify(sqsEvent([message], 'arn:aws:sqs:us-east-1:000000000000:bench-jobs.fifo'));
}

const AWS_SDK = /^@(aws-sdk|smithy|aws-crypto)\//;

function composition(receiver: Bundle): string[] {
  const all = largestContributors(receiver, Number.POSITIVE_INFINITY);
  const sdk = all.filter((c) => AWS_SDK.test(c.name)).reduce((sum, c) => sum + c.bytes, 0);
  const ours = all.filter((c) => c.name.startsWith('lambda/')).reduce((sum, c) => sum + c.bytes, 0);
  const total = all.reduce((sum, c) => sum + c.bytes, 0);
  const summary = `AWS SDK (@aws-sdk, @smithy, @aws-crypto) ${kB(sdk)}, our code ${kB(ours)}, everything else ${kB(total - sdk - ours)}`;
  const lines = largestContributors(receiver, 10).map(
    (c) =>
      `${kB(c.bytes).padStart(9)}  ${c.name.padEnd(34)} ${(importChain(receiver, c.name) ?? []).join(' > ')}`,
  );
  return [summary, ...lines];
}

export async function benchColdStart({ rounds, log }: ColdStartOptions): Promise<Section> {
  const entries = ['receiver', 'worker'].map((name) => join(ROOT, 'lambda', `${name}.ts`));
  const missing = entries.filter((entry) => !existsSync(entry));
  if (missing.length > 0) throw new Error(`cold start needs ${missing.join(', ')}, which do not exist yet`);

  const outDir = mkdtempSync(join(tmpdir(), 'tfe-bridge-bench-bundles-'));
  // A bundle that leaves the SDK out must sit where node finds it: under the project.
  const cacheDir = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const sdkOutDir = mkdtempSync(join(cacheDir, 'tfe-bridge-bench-'));
  // The worker's first delivery goes here; its URL is baked into the bundles' config.
  const destination = await startDestination();
  const config = benchConfig([{ id: 'sink', url: destination.url }]);
  const bundle = (name: string, entry: string, stubs?: Record<string, string>) =>
    bundleLikeCdk({
      entry,
      outDir,
      name,
      config,
      bundledAs: name === 'worker' ? 'worker' : 'receiver',
      ...(stubs ? { stubs } : {}),
    });
  const [empty, emptySqs, hono, honoAwsCalls, receiver, receiverSdk, worker, probe] = await Promise.all([
    bundle('empty', join(import.meta.dirname, 'empty-handler.ts')),
    bundle('empty-sqs', join(import.meta.dirname, 'empty-sqs-handler.ts')),
    bundle('hono', join(import.meta.dirname, 'hono-handler.ts')),
    bundle('hono-aws-calls', join(import.meta.dirname, 'hono-aws-calls-handler.ts')),
    bundle('receiver', entries[0] as string),
    bundle('receiver-sdk', join(import.meta.dirname, 'receiver-with-sdk.ts')),
    bundle('worker', entries[1] as string),
    bundleProbe(outDir),
  ]);
  // Only worth a row while one of them is still bundled into the receiver.
  const present = packagesIn(receiver);
  const stubs = Object.fromEntries(Object.entries(UNUSED_ON_RECEIVER).filter(([name]) => present.has(name)));
  const stubbed = Object.keys(stubs);
  const receiverLazy =
    stubbed.length > 0 ? await bundle('receiver-lazy', entries[0] as string, stubs) : undefined;
  // The runtime's SDK only matters to a receiver that still imports the SDK.
  const sdkOnReceiver = [...present].some((name) => AWS_SDK.test(name));
  const receiverRuntimeSdk = await bundleLikeCdk({
    entry: sdkOnReceiver ? (entries[0] as string) : join(import.meta.dirname, 'receiver-with-sdk.ts'),
    outDir: sdkOutDir,
    name: 'receiver-runtime-sdk',
    config,
    externalAwsSdk: true,
  });

  const secretsManager = await startSecretsManager();
  secretsManager.setSecret(BENCH_SIGNING_SECRET_ID, BENCH_SIGNING_SECRET);
  secretsManager.setSecret(BENCH_TOKEN_SECRET_ID, BENCH_SECRETS[BENCH_TOKEN_SECRET_ID] ?? '');
  const sqs = await startLocalSqs();
  const state = await startDeliveryState();
  const proxies: TlsLatencyProxy[] = [];
  try {
    const { queueUrl } = await sqs.createQueues('bench-jobs');
    const endpoints = { sqs: sqs.endpoint, secretsManager: secretsManager.endpoint, queueUrl };
    // The same fakes as a function reaches AWS: over TLS, each round trip NETWORK_ROUND_TRIP_MS.
    const tlsSqs = await startTlsLatencyProxy(sqs.endpoint, NETWORK_ROUND_TRIP_MS);
    const tlsSecretsManager = await startTlsLatencyProxy(secretsManager.endpoint, NETWORK_ROUND_TRIP_MS);
    proxies.push(tlsSqs, tlsSecretsManager);
    const overNetwork = {
      AWS_ENDPOINT_URL_SQS: tlsSqs.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: tlsSecretsManager.url,
      NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
    };
    const signed = signNotification(runNotificationBodies()[0] ?? '{}');
    const event = JSON.stringify(
      functionUrlEvent({ path: `/hooks/${BENCH_ROUTE_ID}`, body: signed.body, headers: signed.headers }),
    );
    const asBuilt: Subject = {
      label: 'receiver (as built)',
      bundle: receiver,
      invoke: true,
      expectStatus: 202,
      // infra sets NODE_OPTIONS=--enable-source-maps on the worker only.
      sourceMaps: false,
    };
    const baseline: Subject = {
      label: 'empty handler',
      bundle: empty,
      invoke: true,
      expectStatus: 200,
      sourceMaps: true,
    };
    const honoAlone: Subject = {
      label: 'Hono alone (read, verify HMAC, parse, 202)',
      bundle: hono,
      invoke: true,
      expectStatus: 202,
      sourceMaps: false,
    };
    const floor: Subject = {
      label: 'Hono + a secret read + the SQS send (floor)',
      bundle: honoAwsCalls,
      invoke: true,
      expectStatus: 202,
      sourceMaps: false,
    };
    // The worker: one job, new each sample (a delivered job is not delivered twice), from an SQS
    // event to the destination's answer, with its delivery state in dynalite.
    const workerEnv = {
      DELIVERY_STATE_TABLE: state.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: state.dynamo.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'tfe-bridge-worker',
    };
    let jobs = 0;
    const emptySqsHandler: Subject = {
      label: 'empty SQS handler',
      bundle: emptySqs,
      invoke: true,
      expectStatus: null,
      sourceMaps: true,
      eventFor: () => workerEvent(config, ++jobs),
    };
    let delivered = 0;
    const workerFirstDelivery: Subject = {
      label: 'worker (first delivery)',
      bundle: worker,
      invoke: true,
      expectStatus: null,
      sourceMaps: true,
      env: workerEnv,
      eventFor: () => workerEvent(config, ++jobs),
      check: () => {
        if (destination.received.length !== ++delivered) {
          throw new Error(`worker: ${destination.received.length} deliveries arrived, expected ${delivered}`);
        }
      },
    };
    const floorOverNetwork: Subject = { ...floor, label: `${floor.label}, over TLS`, env: overNetwork };
    const asBuiltOverNetwork: Subject = { ...asBuilt, label: `${asBuilt.label}, over TLS`, env: overNetwork };
    const subjects: Subject[] = [
      baseline,
      honoAlone,
      floor,
      asBuilt,
      floorOverNetwork,
      asBuiltOverNetwork,
      ...(receiverLazy
        ? [{ ...asBuilt, label: `receiver, ${stubbed.join(' + ')} off the path`, bundle: receiverLazy }]
        : []),
      { ...asBuilt, label: 'receiver, with --enable-source-maps', sourceMaps: true },
      ...(sdkOnReceiver
        ? []
        : [{ ...asBuilt, label: 'receiver on the AWS SDK v3 clients', bundle: receiverSdk }]),
      {
        ...asBuilt,
        label: sdkOnReceiver
          ? 'receiver, SDK from node_modules (*)'
          : 'receiver on the SDK from node_modules (*)',
        bundle: receiverRuntimeSdk,
      },
      { label: 'worker (import only)', bundle: worker, invoke: false, expectStatus: null, sourceMaps: true },
      emptySqsHandler,
      workerFirstDelivery,
    ];
    const samples = new Map<Subject, Sample[]>(subjects.map((s) => [s, []]));
    // Round 0 warms the file cache and is discarded; the order rotates so no subject always runs first.
    for (let round = 0; round <= rounds; round++) {
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(i + round) % subjects.length] as Subject;
        const env = { ...lambdaEnv(endpoints, subject.sourceMaps), ...subject.env };
        const sample = await runProbe(probe, subject, env, subject.eventFor?.() ?? event);
        subject.check?.();
        if (round > 0) samples.get(subject)?.push(sample);
      }
      log(`cold start: round ${round}/${rounds}`);
    }

    const series = (subject: Subject, key: keyof Sample) => (samples.get(subject) ?? []).map((x) => x[key]);
    const med = (subject: Subject, key: keyof Sample) => median(series(subject, key));
    // Samples of one round ran back to back, so the ratio is taken within each round.
    const against = (base: Subject) => (subject: Subject) =>
      medianRatio(series(subject, 'firstResponseMs'), series(base, 'firstResponseMs'));
    const vsEmpty = against(baseline);
    const vsHono = against(honoAlone);
    const vsEmptySqs = against(emptySqsHandler);
    const isWorker = (s: Subject) => s.bundle === worker || s === emptySqsHandler;
    const rows = subjects.map((s) => [
      s.label,
      s.invoke ? formatRatio(isWorker(s) ? vsEmptySqs(s) : vsEmpty(s)) : '',
      s.invoke && !isWorker(s) ? formatRatio(vsHono(s)) : '',
      kB(s.bundle.bytes),
      kB(s.bundle.gzipBytes),
      formatNumber(med(s, 'importMs'), 1),
      s.invoke ? formatNumber(med(s, 'firstResponseMs'), 1) : '',
      formatNumber(med(s, 'wallMs'), 1),
    ]);
    const receiverRatio = vsHono(asBuilt);
    const checks: Check[] = [
      {
        name: 'receiver bundle size',
        value: kB(receiver.bytes),
        target: `<= ${kB(RECEIVER_MAX_BYTES)}`,
        pass: receiver.bytes <= RECEIVER_MAX_BYTES,
      },
      {
        name: 'receiver first response / Hono alone',
        value: formatRatio(receiverRatio),
        target: `<= ${formatRatio(FIRST_RESPONSE_MAX_RATIO)}`,
        pass: receiverRatio <= FIRST_RESPONSE_MAX_RATIO,
      },
      {
        // Not a target: what the two AWS calls before the 202 cost on their own.
        name: 'Hono + a secret read + the SQS send / Hono alone',
        value: formatRatio(vsHono(floor)),
        target: '(the floor of the target)',
        pass: null,
      },
      {
        // Not a target: what the first calls cost when they have a network to cross.
        name: `over TLS, ${NETWORK_ROUND_TRIP_MS} ms round trips: receiver / Hono alone`,
        value: formatRatio(vsHono(asBuiltOverNetwork)),
        target: `(floor over TLS / Hono alone: ${formatRatio(vsHono(floorOverNetwork))})`,
        pass: null,
      },
      {
        // Not a target: the physical floor, for information.
        name: 'receiver first response / empty handler',
        value: formatRatio(vsEmpty(asBuilt)),
        target: `(Hono alone / empty: ${formatRatio(vsEmpty(honoAlone))})`,
        pass: null,
      },
      {
        name: 'worker first delivery / empty SQS handler',
        value: formatRatio(vsEmptySqs(workerFirstDelivery)),
        target: '(reported)',
        pass: null,
      },
    ];
    return {
      title: `2. Cold start (fresh node process per sample, median of ${rounds} rounds)`,
      notes: [
        `bundles: esbuild ${LAMBDA_TARGET}, options from infra/lambda-bundling.ts (ESM, minified, every dependency bundled);`,
        'the receiver fetches its signing secret from a local Secrets Manager and sends the job to a',
        'local SQS (both on 127.0.0.1) before answering 202; times are ms since the process started.',
        `off the receiver's import path (it never calls them): ${Object.keys(UNUSED_ON_RECEIVER)
          .map((name) => `${name} ${present.has(name) ? 'NO, bundled' : 'yes'}`)
          .join(', ')};`,
        ...(sdkOnReceiver
          ? []
          : [
              'the receiver calls SQS and Secrets Manager through its own client (adapters/aws/aws-json-client.ts);',
              '"on the AWS SDK v3 clients" is the same receiver with the SDK clients behind the same ports',
              '(bench/receiver-with-sdk.ts), as it was before;',
            ]),
        '(*) @aws-sdk/* left out as with bundleAwsSDK: false, loaded unbundled from node_modules the way',
        '    the Lambda runtime would load its own copy (whose version this machine cannot reproduce);',
        '"Hono alone" reads the body, verifies its HMAC (secret in the code), parses it and answers 202;',
        '"Hono + a secret read + the SQS send" also reads the signing secret (AWSCURRENT only; the receiver reads',
        "AWSPREVIOUS too, in parallel) and sends the job through the receiver's AWS client first: a floor under the receiver;",
        `"over TLS": the same two, with both AWS fakes behind a TLS proxy that delays every chunk by half a round trip of`,
        `${NETWORK_ROUND_TRIP_MS} ms each way, and a new connection by one more (bench/tls-latency-proxy.ts): a first call on a new`,
        'connection waits three round trips (TCP, TLS, the request), the waits the local fakes otherwise leave out;',
        'the worker gets one new job per sample in an SQS event and delivers it to a local destination',
        '(its state in dynalite, its token from the local Secrets Manager, both through the receiver\'s client); its "vs empty" is against the',
        'empty SQS handler;',
        'receiver bundle, largest parts and the import chain that pulls each in:',
        ...composition(receiver).map((line) => `  ${line}`),
      ],
      header: [
        'handler',
        'vs empty',
        'vs Hono',
        'bundle',
        'gzip',
        'import ms',
        '1st response ms',
        'spawn->exit ms',
      ],
      rows,
      checks,
    };
  } finally {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await sqs.close();
    await state.close();
    await destination.close();
    await secretsManager.close();
    for (const dir of [outDir, sdkOutDir]) rmSync(dir, { recursive: true, force: true });
  }
}
