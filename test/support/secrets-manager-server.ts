// A fake AWS Secrets Manager on 127.0.0.1 that speaks the real JSON 1.1 protocol for
// GetSecretValue and DescribeSecret, so tests drive the real @aws-sdk/client-secrets-manager client
// (and the bridge's own JSON client) over real HTTP (no emulator exists on npm or Debian). Like AWS,
// it refuses a request whose X-Amz-Date is more than 5 minutes from its clock, and every answer
// carries that clock in its Date header.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const JSON_11 = 'application/x-amz-json-1.1';

/** How an injected failure looks on the wire. `network` drops the connection without answering. */
export type FailureType =
  | 'ThrottlingException'
  | 'InternalServiceError'
  | 'AccessDeniedException'
  | 'network';

interface Version {
  value: string;
  versionId: string;
  createdDate: number;
}

interface StoredSecret {
  arn: string;
  createdDate: number;
  /** Absent for a secret created without a value (create-secret with no --secret-string). */
  current?: Version;
  previous?: Version;
  /** Set once deletion is scheduled: DescribeSecret still answers, GetSecretValue refuses. */
  deletedDate?: number;
}

export interface SecretRequest {
  target: string;
  secretId: string | undefined;
  versionStage: string | undefined;
}

export interface SecretsManagerServer {
  /** Pass as the client's `endpoint` (or AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  endpoint: string;
  /**
   * Sets the AWSCURRENT value. Like PutSecretValue, the old current value becomes AWSPREVIOUS,
   * unless `previous` names the AWSPREVIOUS value explicitly.
   */
  setSecret(id: string, value: string, options?: { previous?: string }): void;
  /** Takes the AWSPREVIOUS label off (UpdateSecretVersionStage --remove-from-version-id): the
   *  old token is retired. */
  removePrevious(id: string): void;
  deleteSecret(id: string): void;
  /** create-secret without a value: the secret exists, with no AWSCURRENT version to read. */
  createEmptySecret(id: string): void;
  /** delete-secret with a recovery window: described with a DeletedDate, no longer readable. */
  scheduleDeletion(id: string): void;
  /** The next `count` requests fail with `type`; with `stage`, only GetSecretValue requests
   *  for that version stage (`AWSCURRENT` covers requests without one). */
  failNext(count: number, type?: FailureType, options?: { stage?: string }): void;
  /** How many requests arrived (failed ones included). */
  readonly requests: number;
  /** Every request, in order, for asserting what the client asked for. */
  readonly log: readonly SecretRequest[];
  /** AWS's message for each request refused for its signing date (InvalidSignatureException). */
  readonly signatureRefusals: readonly string[];
  close(): Promise<void>;
}

const FAILURES: Record<Exclude<FailureType, 'network'>, { status: number; message: string }> = {
  ThrottlingException: { status: 400, message: 'Rate exceeded' },
  InternalServiceError: { status: 500, message: 'An error occurred on the server side.' },
  AccessDeniedException: {
    status: 400,
    message: 'User is not authorized to perform: secretsmanager:OPERATION',
  },
};

/** DescribeSecret's answer: metadata and the version stages, never a value. */
function describeSecret(name: string, secret: StoredSecret): Record<string, unknown> {
  const stages: Record<string, string[]> = {};
  if (secret.current) stages[secret.current.versionId] = ['AWSCURRENT'];
  if (secret.previous) stages[secret.previous.versionId] = ['AWSPREVIOUS'];
  return {
    ARN: secret.arn,
    Name: name,
    CreatedDate: secret.createdDate,
    LastChangedDate: secret.current?.createdDate ?? secret.createdDate,
    ...(Object.keys(stages).length > 0 ? { VersionIdsToStages: stages } : {}),
    ...(secret.deletedDate === undefined ? {} : { DeletedDate: secret.deletedDate }),
  };
}

/** AWS's tolerance for the signing date (X-Amz-Date) against its own clock. */
export const SIGNATURE_DATE_TOLERANCE_MS = 5 * 60_000;

const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/** AWS's answer to a signing date out of tolerance, or undefined when it is fine (or absent). */
function signatureDateProblem(header: string | undefined, now: number): string | undefined {
  if (!header) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(header);
  if (!match) return `Date must be in ISO-8601 'basic format'. Got '${header}'.`;
  const [, y, mo, d, h, mi, sec] = match;
  const signed = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  const [earliest, latest] = [now - SIGNATURE_DATE_TOLERANCE_MS, now + SIGNATURE_DATE_TOLERANCE_MS];
  if (signed < earliest) {
    return `Signature expired: ${header} is now earlier than ${amzDate(earliest)} (${amzDate(now)} - 5 min.)`;
  }
  if (signed > latest) {
    return `Signature not yet current: ${header} is still later than ${amzDate(latest)} (${amzDate(now)} + 5 min.)`;
  }
  return undefined;
}

function version(value: string): Version {
  return { value, versionId: randomUUID(), createdDate: Math.floor(Date.now() / 1000) };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': JSON_11, 'x-amzn-requestid': randomUUID() })
    .end(JSON.stringify(body));
}

function replyError(res: ServerResponse, status: number, type: string, message: string): void {
  reply(res, status, { __type: type, message });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSecretsManager(): Promise<SecretsManagerServer> {
  const secrets = new Map<string, StoredSecret>();
  const log: SecretRequest[] = [];
  const signatureRefusals: string[] = [];
  const failures: Array<{ type: FailureType; stage: string | undefined }> = [];
  const takeFailure = (stage: string | undefined): FailureType | undefined => {
    const index = failures.findIndex((f) => f.stage === undefined || f.stage === stage);
    return index === -1 ? undefined : failures.splice(index, 1)[0]?.type;
  };

  const find = (secretId: string): [string, StoredSecret] | undefined => {
    const byName = secrets.get(secretId);
    if (byName) return [secretId, byName];
    for (const entry of secrets) if (entry[1].arn === secretId) return entry;
    return undefined;
  };

  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const text = await readBody(req);
    if (
      req.method !== 'POST' ||
      req.url !== '/' ||
      !String(req.headers['content-type']).startsWith(JSON_11)
    ) {
      return replyError(
        res,
        400,
        'InvalidRequestException',
        'expected POST / with application/x-amz-json-1.1',
      );
    }
    if (target !== 'secretsmanager.GetSecretValue' && target !== 'secretsmanager.DescribeSecret') {
      return replyError(res, 400, 'UnknownOperationException', `operation ${target} is not supported`);
    }
    const describe = target === 'secretsmanager.DescribeSecret';
    let input: { SecretId?: unknown; VersionStage?: unknown; VersionId?: unknown };
    try {
      input = JSON.parse(text) as typeof input;
    } catch {
      return replyError(res, 400, 'SerializationException', 'body is not JSON');
    }
    const secretId = typeof input.SecretId === 'string' ? input.SecretId : undefined;
    const versionStage = typeof input.VersionStage === 'string' ? input.VersionStage : undefined;
    log.push({ target, secretId, versionStage });

    const skewed = signatureDateProblem(req.headers['x-amz-date']?.toString(), Date.now());
    if (skewed) {
      signatureRefusals.push(skewed);
      return replyError(res, 400, 'InvalidSignatureException', skewed);
    }

    const failure = takeFailure(describe ? undefined : (versionStage ?? 'AWSCURRENT'));
    if (failure === 'network') {
      req.socket.destroy();
      return;
    }
    if (failure) {
      const { status, message } = FAILURES[failure];
      return replyError(res, status, failure, message.replace('OPERATION', target.split('.')[1] ?? ''));
    }
    if (!secretId) {
      return replyError(res, 400, 'InvalidParameterException', 'SecretId is required');
    }
    const found = find(secretId);
    if (!found) {
      return replyError(
        res,
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    }
    const [name, secret] = found;
    if (describe) return reply(res, 200, describeSecret(name, secret));
    if (secret.deletedDate !== undefined) {
      return replyError(
        res,
        400,
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    const stage = versionStage ?? 'AWSCURRENT';
    const chosen =
      stage === 'AWSCURRENT' ? secret.current : stage === 'AWSPREVIOUS' ? secret.previous : undefined;
    if (!chosen) {
      return replyError(
        res,
        400,
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    reply(res, 200, {
      ARN: secret.arn,
      Name: name,
      SecretString: chosen.value,
      VersionId: chosen.versionId,
      VersionStages: [stage],
      CreatedDate: chosen.createdDate,
    });
  });
  const create = (id: string, fields: Partial<StoredSecret>): void => {
    const existing = secrets.get(id);
    const suffix = randomUUID().replace(/-/g, '').slice(0, 6);
    secrets.set(id, {
      arn: existing?.arn ?? `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-${suffix}`,
      createdDate: existing?.createdDate ?? Math.floor(Date.now() / 1000),
      ...fields,
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    setSecret(id, value, options = {}) {
      const existing = secrets.get(id);
      const previous = options.previous !== undefined ? version(options.previous) : existing?.current;
      create(id, { current: version(value), ...(previous ? { previous } : {}) });
    },
    removePrevious(id) {
      const existing = secrets.get(id);
      if (existing) create(id, existing.current ? { current: existing.current } : {});
    },
    deleteSecret(id) {
      secrets.delete(id);
    },
    createEmptySecret(id) {
      create(id, {});
    },
    scheduleDeletion(id) {
      const existing = secrets.get(id);
      if (existing) secrets.set(id, { ...existing, deletedDate: Math.floor(Date.now() / 1000) });
    },
    failNext(count, type = 'ThrottlingException', options = {}) {
      for (let i = 0; i < count; i++) failures.push({ type, stage: options.stage });
    },
    get requests() {
      return log.length;
    },
    log,
    signatureRefusals,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
