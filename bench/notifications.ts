// Signed run notifications for the load generators: HashiCorp's captured run payloads, signed
// the way HCP Terraform signs them, optionally made unique so a delivery can be traced back.
import { signBody, TFE_SIGNATURE_HEADER } from '../lambda/core/receive/signature';
import { fixture, fixtureNames } from '../test/support/fixtures';
import { BENCH_SIGNING_SECRET, BENCH_SIGNING_SECRET_ID } from './bench-secret';

export const BENCH_ROUTE_ID = 'bench';
export { BENCH_SIGNING_SECRET, BENCH_SIGNING_SECRET_ID };

export interface SignedNotification {
  body: string;
  headers: Record<string, string>;
}

export function signNotification(body: string): SignedNotification {
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [TFE_SIGNATURE_HEADER]: signBody(body, BENCH_SIGNING_SECRET),
    },
  };
}

/** The run notifications among the fixtures (the common case); verification pings excluded. */
export function runNotificationBodies(): string[] {
  return fixtureNames()
    .filter((name) => name.startsWith('tfe-run-'))
    .sort()
    .map((name) => fixture(name));
}

/** A run notification whose `run_id` is `run-bench-<n>`, so its deliveries can be matched to it. */
export function uniqueRunNotification(n: number, template: string): SignedNotification {
  const payload = JSON.parse(template) as Record<string, unknown>;
  return signNotification(JSON.stringify({ ...payload, run_id: `run-bench-${n}` }));
}

/** The `n` of `run-bench-<n>` in a delivered body, or -1. Cheaper than parsing the JSON. */
export function runNumberOf(body: string): number {
  const match = /"run_id":"run-bench-(\d+)"/.exec(body);
  return match ? Number(match[1]) : -1;
}
