// AWS errors as the Lambdas' client reports them (named like the SDK's exceptions, with its
// `$metadata`), and which of them the SDK's standard retry mode retries.

// The SDK's list (@smithy/service-error-classification), plus the Secrets Manager and SQS codes.
export const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

export interface AwsErrorDetails {
  /** Absent when no answer came (network error, timeout). */
  httpStatusCode?: number | undefined;
  requestId?: string | undefined;
  attempts: number;
  /** SQS's legacy query-protocol code (`AWS.SimpleQueueService.NonExistentQueue`). */
  queryErrorCode?: string | undefined;
  /** The socket error code (`ECONNREFUSED`, ...) of a network error. */
  code?: string | undefined;
  cause?: unknown;
}

/**
 * A failed AWS call. `name` is the AWS error code as the SDK names its exceptions
 * (`ThrottlingException`, `ResourceNotFoundException`, `QueueDoesNotExist`), `TimeoutError` for
 * a timed-out attempt, `NetworkError` when no answer came. `$metadata` has the SDK's shape, so
 * code written against SDK errors reads it the same way.
 */
export class AwsError extends Error {
  override readonly name: string;
  readonly $metadata: {
    httpStatusCode?: number;
    requestId?: string;
    attempts: number;
    /** Set when the answer showed our clock was off and the offset was corrected (the SDK's name). */
    clockSkewCorrected?: true;
  };
  readonly queryErrorCode: string | undefined;
  readonly code: string | undefined;

  constructor(name: string, message: string, details: AwsErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = name;
    this.$metadata = {
      attempts: details.attempts,
      ...(details.httpStatusCode === undefined ? {} : { httpStatusCode: details.httpStatusCode }),
      ...(details.requestId === undefined ? {} : { requestId: details.requestId }),
    };
    this.queryErrorCode = details.queryErrorCode;
    this.code = details.code;
  }
}

export function isRetryable(error: AwsError): boolean {
  if (THROTTLING_CODES.has(error.name) || TRANSIENT_CODES.has(error.name)) return true;
  const status = error.$metadata.httpStatusCode;
  return status === undefined || TRANSIENT_STATUSES.has(status);
}

/** `com.amazonaws.sqs#QueueDoesNotExist:http://...` → `QueueDoesNotExist`, as the SDK does. */
export function sanitizeErrorCode(raw: string): string {
  let code = raw;
  if (code.includes(':')) code = code.split(':')[0] ?? code;
  if (code.includes('#')) code = code.split('#')[1] ?? code;
  return code;
}

/** Longest part of an AWS error message kept in our errors. */
const MAX_ERROR_MESSAGE_CHARS = 300;

/**
 * The first line of an AWS error message, at most MAX_ERROR_MESSAGE_CHARS, for our errors and
 * logs: a signature mismatch goes on with the canonical request AWS expected, headers and all,
 * `x-amz-security-token` included.
 */
export function firstLineOf(message: string): string {
  const line = message.split('\n', 1)[0]?.trim() ?? '';
  return line.length > MAX_ERROR_MESSAGE_CHARS ? `${line.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : line;
}
