// A destination's delivery policy: how failed attempts are retried, how fast requests may go,
// and when a destination that is down is paused. Part of the destination schema (destination.ts).
import * as z from 'zod';

export const DEFAULT_RETRY = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 } as const;
/** On by default: a destination that is down holds its jobs instead of dead-lettering them. */
export const DEFAULT_CIRCUIT_BREAKER = { failures: 20, coolDownMs: 60_000 } as const;

export const retrySchema = z.strictObject({
  maxAttempts: z
    .int()
    .min(1)
    .max(50)
    .default(DEFAULT_RETRY.maxAttempts)
    .describe('Attempts in all (the first one included) before the job is dead-lettered as exhausted.'),
  baseDelayMs: z
    .int()
    .min(0)
    .default(DEFAULT_RETRY.baseDelayMs)
    .describe('Wait before the first retry, in ms; doubled at each retry, with jitter.'),
  maxDelayMs: z
    .int()
    .min(0)
    .default(DEFAULT_RETRY.maxDelayMs)
    .describe('Longest wait between two attempts, in ms (a Retry-After is honoured up to 15 minutes).'),
});

// Off by default. One lane per destination already means at most one request in flight.
export const rateLimitSchema = z.strictObject({
  perSecond: z
    .number()
    .min(0.001)
    .max(10_000)
    .meta({
      description: 'Requests per second at most (may be fractional: 0.5 is one every 2 s).',
      examples: [5],
    }),
  burst: z
    .int()
    .min(1)
    .max(10_000)
    .default(1)
    .describe('Requests that may go at once after a quiet spell (the token bucket size).'),
});

export const circuitBreakerSchema = z.union([
  z.strictObject({
    failures: z
      .int()
      .min(1)
      .max(1_000)
      .default(DEFAULT_CIRCUIT_BREAKER.failures)
      .describe('Consecutive outage failures (network, timeout, 408, 5xx) that open the circuit.'),
    coolDownMs: z
      .int()
      .min(1)
      .max(3_600_000)
      .default(DEFAULT_CIRCUIT_BREAKER.coolDownMs)
      .describe(
        'How long an open circuit holds the jobs before one probe, in ms (doubled after a failed probe).',
      ),
  }),
  // A boolean rather than literal(false), so `true` gets this message and not "must be false".
  z
    .boolean()
    .refine((on) => !on, 'must be false (to turn it off) or { failures, coolDownMs }')
    .transform(() => false as const),
]);
