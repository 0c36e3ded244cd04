// Clock-skew correction as the AWS SDK does it: AWS refuses a signature dated more than 5 minutes
// from its own clock (`InvalidSignatureException: Signature expired: ... (... - 5 min.)`), and
// its answer's Date header says what time it is there. The offset between that and our clock
// is added to every later signing date, so a host with a wrong clock still gets its calls in.

/** The codes the SDK treats as possible clock skew (@smithy/core retry's CLOCK_SKEW_ERROR_CODES). */
const CLOCK_SKEW_CODES = new Set([
  'AccessDeniedException',
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);

/**
 * Below this the signing date was close enough to AWS's clock that a skew-like code (say an
 * AccessDeniedException) is not about time, and is not retried. The SDK's threshold: it leaves
 * a minute of margin under AWS's 5 and over the Date header's 1-second resolution.
 */
export const CLOCK_SKEW_THRESHOLD_MS = 240_000;

export interface SkewedAnswer {
  /** The AWS error code of the answer. */
  errorName: string;
  /** The answer's `Date` header, RFC 7231 (`Tue, 24 Nov 2026 20:15:00 GMT`). */
  date: string | undefined;
  /** The answer's `Age` header: set, the Date may come from a cache, not from AWS now. */
  age: string | undefined;
  /** The date the refused request was signed with. */
  signedAt: Date;
  /** Our clock (uncorrected) when the answer arrived. */
  receivedAt: Date;
}

/**
 * The clock offset (ms to add to our clock) to sign with from now on, when `answer` says the
 * request was refused because our clock is off; undefined when it says nothing about time.
 */
export function correctedClockOffset(answer: SkewedAnswer): number | undefined {
  if (!CLOCK_SKEW_CODES.has(answer.errorName) || !answer.date || answer.age !== undefined) return undefined;
  const serverTime = Date.parse(answer.date);
  if (Number.isNaN(serverTime)) return undefined;
  if (Math.abs(serverTime - answer.signedAt.getTime()) < CLOCK_SKEW_THRESHOLD_MS) return undefined;
  return serverTime - answer.receivedAt.getTime();
}
