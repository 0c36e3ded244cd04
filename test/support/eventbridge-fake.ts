// A fake Amazon EventBridge on 127.0.0.1 that speaks PutEvents over AWS JSON 1.1, as checked
// against the real @aws-sdk/client-eventbridge (no EventBridge emulator exists on npm).
import { randomUUID } from 'node:crypto';
import {
  type AwsCredentials,
  checkSignature,
  FAKE_ACCOUNT_ID,
  type FakeAnswer,
  failureQueue,
  serveAwsFake,
  TEST_CREDENTIALS,
  waitForCount,
} from './aws-fake-http';
import type { ReceivedRequest } from './destination-server';

export interface AcceptedEvent {
  eventId: string;
  /** As named in the request: a name or an ARN (`default` when the entry named none). */
  busName: string;
  source: string;
  detailType: string;
  detail: unknown;
  /** The Detail string exactly as sent. */
  detailText: string;
  resources: string[];
  /** ISO 8601, to the second, as EventBridge puts it in the event's `time`. */
  time?: string;
  /** From the signature's credential scope. */
  region: string;
}

export interface EventBridgeFake {
  endpoint: string;
  events: AcceptedEvent[];
  requests: ReceivedRequest[];
  /** The next `times` entries fail inside a 200 answer with this ErrorCode/ErrorMessage. */
  failEntries(times: number, error: { code: string; message: string }): void;
  /** The next `times` requests get a whole-request error: HTTP status + __type code. */
  failRequests(times: number, error: { status: number; code: string; message: string }): void;
  waitForEvents(count: number, timeoutMs?: number): Promise<AcceptedEvent[]>;
  close(): Promise<void>;
}

/**
 * The limit on the summed entry sizes of one request. EventBridge raised it from 256 KB to 1 MB
 * on 2026-01-29 (AWS Compute Blog, "serverless services now support payloads up to 1 MB"); we
 * take 1 MB as 1 MiB, as SQS states its new limit. A bridge that still caps at 256 KB passes.
 */
export const PUT_EVENTS_MAX_BYTES = 1_048_576;
const MAX_ENTRIES = 10;
const MAX_DETAIL_TYPE_CHARS = 128;
const BUS_NAME = /^[/._A-Za-z0-9-]+$/;
const BUS_ARN = /^arn:aws[\w-]*:events:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):event-bus\/([/._A-Za-z0-9-]+)$/;

const JSON_11 = 'application/x-amz-json-1.1';
const TARGET = 'AWSEvents.PutEvents';

const answer = (status: number, body: unknown, extra: Record<string, string> = {}): FakeAnswer => ({
  status,
  headers: { 'content-type': JSON_11, 'x-amzn-requestid': randomUUID(), ...extra },
  body: JSON.stringify(body),
});

/** A whole-request error as Coral JSON services send it: `__type` in the body and the header. */
const fail = (status: number, code: string, message: string): FakeAnswer =>
  answer(status, { __type: code, message }, { 'x-amzn-errortype': code });

type Entry = Record<string, unknown>;
type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** EventBridge's documented entry size: Time counts 14 bytes, strings their UTF-8 bytes. */
function entrySize(entry: Entry): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((sum: number, r) => sum + bytes(r), 0)
  );
}

/** A type error in the body is a SerializationException (Coral never reaches validation). */
function serializationProblem(entries: unknown): string | undefined {
  if (!Array.isArray(entries)) return 'Start of list found where not expected';
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return 'Start of structure or map found where not expected.';
    const { Time, Resources, ...strings } = entry as Entry;
    if (Time !== undefined && typeof Time !== 'number')
      return 'STRING_VALUE can not be converted to a Timestamp';
    if (
      Resources !== undefined &&
      (!Array.isArray(Resources) || Resources.some((r) => typeof r !== 'string'))
    )
      return 'Start of list found where not expected';
    for (const value of Object.values(strings)) {
      if (value !== undefined && value !== null && typeof value !== 'string')
        return 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String';
    }
  }
  return undefined;
}

/** Coral's constraint message for a bus name that is neither a name nor an event-bus ARN. */
function busNameProblem(entries: Entry[]): string | undefined {
  for (const [i, entry] of entries.entries()) {
    const bus = entry.EventBusName;
    if (typeof bus === 'string' && ((!BUS_NAME.test(bus) && !BUS_ARN.test(bus)) || bus.length > 1600)) {
      return `1 validation error detected: Value '${bus}' at 'entries.${i + 1}.member.eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]{2}-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[\\/\\.\\-_A-Za-z0-9]+`;
    }
  }
  return undefined;
}

const missing = (value: unknown) => typeof value !== 'string' || value === '';

/** The first required field an entry lacks, or undefined. */
const missingField = (entry: Entry) =>
  (['Source', 'DetailType', 'Detail'] as const).find((f) => missing(entry[f]));

export async function startEventBridgeFake(
  options: { credentials?: AwsCredentials; buses?: string[] } = {},
): Promise<EventBridgeFake> {
  const credentials = options.credentials ?? TEST_CREDENTIALS;
  const buses = new Set(options.buses ?? ['default']);
  const events: AcceptedEvent[] = [];
  const entryFailures = failureQueue<{ code: string; message: string }>();
  const requestFailures = failureQueue<{ status: number; code: string; message: string }>();

  /** Whether an entry's bus exists here: a known name, or its ARN in this account and region. */
  const busExists = (bus: string, region: string) => {
    const arn = BUS_ARN.exec(bus);
    if (!arn) return buses.has(bus);
    return arn[1] === region && arn[2] === FAKE_ACCOUNT_ID && buses.has(arn[3] ?? '');
  };

  const putEntry = (entry: Entry, region: string): EntryResult => {
    const injected = entryFailures.take();
    if (injected) return { ErrorCode: injected.code, ErrorMessage: injected.message };
    const field = missingField(entry);
    if (field) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
    const [source, detailType, detailText] = [entry.Source, entry.DetailType, entry.Detail] as string[];
    if ((detailType ?? '').length > MAX_DETAIL_TYPE_CHARS) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter DetailType is not valid. Reason: Provided DetailType is longer than ${MAX_DETAIL_TYPE_CHARS} characters.`,
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(detailText ?? '');
    } catch {
      detail = undefined;
    }
    // Detail must be a JSON object: an array, a number or a string is as malformed as bad JSON.
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if ((source ?? '').startsWith('aws.')) {
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    }
    const busName =
      typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default';
    // Unsure: for years EventBridge accepted entries for a missing bus and dropped them (aws-sdk
    // issue #186, aws-cli #9186); AWS says that is fixed. We fail the entry, which is what a
    // client must be ready for, rather than the whole request (other entries may name good buses).
    if (!busExists(busName, region)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
    }
    const eventId = randomUUID();
    const time =
      typeof entry.Time === 'number'
        ? new Date(entry.Time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
        : undefined;
    events.push({
      eventId,
      busName,
      source: source ?? '',
      detailType: detailType ?? '',
      detail,
      detailText: detailText ?? '',
      resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : [],
      ...(time === undefined ? {} : { time }),
      region,
    });
    return { EventId: eventId };
  };

  const handle = async (request: ReceivedRequest): Promise<FakeAnswer> => {
    const signed = await checkSignature(request, credentials, 'events');
    if ('kind' in signed) {
      // Coral JSON services answer auth failures with 400, not 403 (unlike REST and Query APIs).
      const code = {
        missing: 'MissingAuthenticationTokenException',
        'unknown-key': 'UnrecognizedClientException',
        mismatch: 'InvalidSignatureException',
      }[signed.kind];
      return fail(400, code, signed.message);
    }
    const injected = requestFailures.take();
    if (injected) return fail(injected.status, injected.code, injected.message);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || target !== TARGET) return fail(400, 'UnknownOperationException', '');
    if (!String(request.headers['content-type'] ?? '').startsWith(JSON_11)) {
      return fail(400, 'SerializationException', `Unsupported Content-Type, expected ${JSON_11}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return fail(400, 'SerializationException', 'Unexpected character found when decoding the request body');
    }
    const entries = (body as { Entries?: unknown } | null)?.Entries;
    if (entries === undefined || entries === null) {
      return fail(
        400,
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    const typeProblem = serializationProblem(entries);
    if (typeProblem) return fail(400, 'SerializationException', typeProblem);
    const list = entries as Entry[];
    if (list.length < 1 || list.length > MAX_ENTRIES) {
      const bound = list.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
      return fail(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    const busProblem = busNameProblem(list);
    if (busProblem) return fail(400, 'ValidationException', busProblem);
    // The SDK model documents it: when no entry has all of Source, DetailType and Detail, the
    // whole request fails (the message is our guess).
    if (list.every((entry) => missingField(entry))) {
      return fail(
        400,
        'ValidationException',
        'Parameters Source, DetailType and Detail are required for every entry.',
      );
    }
    if (list.reduce((sum, entry) => sum + entrySize(entry), 0) > PUT_EVENTS_MAX_BYTES) {
      return fail(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const results = list.map((entry) => putEntry(entry, signed.region));
    return answer(200, {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    });
  };

  const server = await serveAwsFake(handle);
  return {
    endpoint: server.endpoint,
    events,
    requests: server.requests,
    failEntries: (times, error) => entryFailures.add(times, error),
    failRequests: (times, error) => requestFailures.add(times, error),
    waitForEvents: (count, timeoutMs) => waitForCount(events, count, 'events', timeoutMs),
    close: () => server.close(),
  };
}
