// The bridge config every benchmark uses: one signed route to the given destinations.

import { parseConfig } from '../lambda/core/config/parse';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { BENCH_ROUTE_ID, BENCH_SIGNING_SECRET, BENCH_SIGNING_SECRET_ID } from './notifications';

export const BENCH_TOKEN_SECRET_ID = 'bench/destination-token';

export interface BenchDestination {
  id: string;
  url: string;
  /** The destination's `rateLimit` (the burst benchmark's second run). */
  rateLimit?: { perSecond: number; burst?: number };
  /** Only these workspaces (the receiver benchmark's "nothing matched" bridge). */
  workspaces?: string[];
}

export function benchConfig(destinations: readonly BenchDestination[]): BridgeConfig {
  return parseConfig({
    routes: [
      {
        id: BENCH_ROUTE_ID,
        signingSecret: { secretId: BENCH_SIGNING_SECRET_ID },
        // The destinations are plain http on 127.0.0.1.
        allowInsecureHttp: true,
        destinations: destinations.map(({ id, url, rateLimit, workspaces }) => ({
          id,
          url,
          ...(rateLimit ? { rateLimit } : {}),
          ...(workspaces ? { filter: { workspaces } } : {}),
          auth: { type: 'bearer', secret: { secretId: BENCH_TOKEN_SECRET_ID } },
          template: { preset: 'passthrough' },
        })),
      },
    ],
  });
}

/** The secrets the bench config names, as a local secrets store holds them. */
export const BENCH_SECRETS: Readonly<Record<string, string>> = {
  [BENCH_SIGNING_SECRET_ID]: BENCH_SIGNING_SECRET,
  [BENCH_TOKEN_SECRET_ID]: 'bench-destination-token',
};
