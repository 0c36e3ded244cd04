// The receiver Lambda, bundled as infra bundles it, in its own node process whose clock is 20
// minutes wrong (a Lambda host that lost time sync): the Secrets Manager fake refuses its first
// signature as AWS would, the receiver's client corrects its clock from the answer's Date header,
// and the notification is accepted (202) and queued rather than answered 503.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bundleLikeCdk, LAMBDA_TARGET } from '../../bench/bundle';
import { PROBE_RESULT_PREFIX, type ProbeResult } from '../../bench/cold-start-probe';
import { parseConfig } from '../../lambda/core/config/parse';
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { fixture } from '../support/fixtures';
import { type FifoQueues, functionUrlEvent, type LocalSqs, startLocalSqs } from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const TOKEN = 'clock-skew-signing-token-0001';
const SECRET_ID = 'tfe-bridge/hmac';
const CLOCK_ERROR_MS = -20 * 60_000;
/** Only against a hang: the probe normally exits in about a second. */
const PROBE_HANG_MS = 60_000;

// Shifts every clock reading the process takes through Date (what the signer and AWS see).
const WRONG_CLOCK = `
const shift = Number(process.env.TEST_CLOCK_ERROR_MS);
const RealDate = Date;
class WrongDate extends RealDate {
  constructor(...args) { if (args.length === 0) super(RealDate.now() + shift); else super(...args); }
  static now() { return RealDate.now() + shift; }
}
globalThis.Date = WrongDate;
`;

const outDir = mkdtempSync(join(tmpdir(), 'tfe-bridge-clock-skew-'));
let receiverPath: string;
let probePath: string;
let clockPath: string;

beforeAll(async () => {
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: SECRET_ID },
        destinations: [{ id: 'api', url: 'https://api.example/hook' }],
      },
    ],
  });
  probePath = join(outDir, 'probe.mjs');
  clockPath = join(outDir, 'wrong-clock.mjs');
  writeFileSync(clockPath, WRONG_CLOCK);
  const [receiver] = await Promise.all([
    bundleLikeCdk({
      entry: join(import.meta.dirname, '../../lambda/receiver.ts'),
      outDir,
      name: 'receiver',
      config,
      bundledAs: 'receiver',
    }),
    build({
      entryPoints: [join(import.meta.dirname, '../../bench/cold-start-probe.ts')],
      outfile: probePath,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: LAMBDA_TARGET,
      logLevel: 'warning',
    }),
  ]);
  receiverPath = receiver.path;
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
beforeEach(async () => {
  [sqs, sm] = await Promise.all([startLocalSqs(), startSecretsManager()]);
  queues = await sqs.createQueues('skew');
  sm.setSecret(SECRET_ID, TOKEN);
});
afterEach(async () => {
  await sm.close();
  await sqs.close();
});

/** Invokes the bundled receiver once in a fresh process with its clock off by `clockErrorMs`. */
function invokeReceiver(clockErrorMs: number): Promise<{ status: number | null; output: string }> {
  const body = fixture('tfe-run-errored');
  const event = functionUrlEvent({
    path: '/hooks/runs',
    body,
    headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, TOKEN) },
  });
  const child = spawn(process.execPath, ['--import', pathToFileURL(clockPath).href, probePath], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TZ: ':UTC',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SESSION_TOKEN: 'test',
      AWS_LAMBDA_FUNCTION_NAME: 'tfe-bridge-receiver',
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      QUEUE_URL: queues.queueUrl,
      BENCH_HANDLER_PATH: receiverPath,
      BENCH_EVENT: JSON.stringify(event),
      TEST_CLOCK_ERROR_MS: String(clockErrorMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_HANG_MS);
  return new Promise((resolve) => {
    child.on('exit', () => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith(PROBE_RESULT_PREFIX));
      const result = line ? (JSON.parse(line.slice(PROBE_RESULT_PREFIX.length)) as ProbeResult) : undefined;
      resolve({ status: result?.status ?? null, output });
    });
  });
}

describe('receiver Lambda on a host whose clock is 20 minutes behind', () => {
  it('corrects its clock from the Secrets Manager answer and queues the notification', async () => {
    const { status, output } = await invokeReceiver(CLOCK_ERROR_MS);
    expect(status, output).toBe(202);
    // The signing key is read at AWSCURRENT and AWSPREVIOUS (rotation), possibly in parallel:
    // each request signed before the first answer is refused once for its date, as AWS does,
    // and read again with the corrected clock.
    const refused = sm.signatureRefusals.length;
    expect(refused).toBeGreaterThan(0);
    expect(sm.signatureRefusals).toEqual(Array(refused).fill(expect.stringMatching(/^Signature expired: /)));
    expect(sm.requests).toBe(2 + refused);
    const jobs = await sqs.receive(queues.queueUrl);
    expect(jobs).toHaveLength(1);
  });

  it('is refused nothing with a right clock (the fake is not what makes the test pass)', async () => {
    const { status, output } = await invokeReceiver(0);
    expect(status, output).toBe(202);
    expect(sm.signatureRefusals).toEqual([]);
    expect(sm.requests).toBe(2);
  });
});
