// Every metric the bridge records, defined once: name, kind, help text and label set. The local
// Prometheus registry and the CloudWatch (EMF) adapter both render from this table, and the CDK
// dashboard and alarms read their names and dimensions from it.

/** CloudWatch namespace of the EMF metrics; locally, the `tfe_bridge_` prefix plays its part. */
export const METRICS_NAMESPACE = 'TfeBridge';

/** Label value when a request or message names no configured route or destination. Config ids
 *  start with a letter or digit, so it cannot collide with one. */
export const NO_LABEL = '-';

export interface MetricDefinition {
  kind: 'counter' | 'histogram';
  help: string;
  labels: readonly string[];
  /**
   * Label subsets also published on CloudWatch (extra EMF dimension sets of the same value).
   * CloudWatch alarms need an exact dimension set and cannot sum across routes or
   * destinations, so alarms use these rollups.
   */
  rollups: readonly (readonly string[])[];
}

export const METRICS = {
  received: {
    kind: 'counter',
    help: 'Webhook requests by route and result (accepted, verified, rejected_signature, ...)',
    labels: ['route', 'result'],
    rollups: [['result']],
  },
  deliveries: {
    kind: 'counter',
    help: 'Delivery attempts and dead letters by destination and outcome (delivered, skipped, retried, dead_lettered)',
    labels: ['route', 'destination', 'outcome'],
    rollups: [['outcome']],
  },
  delivery_latency: {
    kind: 'histogram',
    help: 'Duration of one delivery attempt, whatever its outcome',
    labels: ['route', 'destination'],
    rollups: [[]],
  },
  circuit_changes: {
    kind: 'counter',
    help: 'Circuit breaker changes by destination and state (opened, probe, closed)',
    labels: ['route', 'destination', 'state'],
    rollups: [['state']],
  },
  enrichment_failed: {
    kind: 'counter',
    help: 'Jobs sent without the HCP Terraform enrichment, by route and reason (timeout, rate_limited, unauthorized, ...)',
    labels: ['route', 'reason'],
    rollups: [['reason']],
  },
  secret_cache: {
    kind: 'counter',
    help: 'Secret reads answered from the cache (hit) or from the secret store (miss)',
    labels: ['result'],
    rollups: [],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
type NamesOfKind<K extends MetricDefinition['kind']> = {
  [N in MetricName]: (typeof METRICS)[N]['kind'] extends K ? N : never;
}[MetricName];
export type CounterName = NamesOfKind<'counter'>;
export type HistogramName = NamesOfKind<'histogram'>;
/** The exact labels a metric takes: a missing or extra label is a type error. */
export type LabelsOf<N extends MetricName> = Record<(typeof METRICS)[N]['labels'][number], string>;

/** What happened to a delivery job after an attempt (or without one): each attempt is counted
 *  once. A job held back by an open circuit is not an attempt; `circuit_changes` shows those. */
export type DeliveryOutcome = 'delivered' | 'skipped' | 'retried' | 'dead_lettered';

/** Labels of a `deliveries` sample; a malformed queue message has no route or destination. */
export function deliveryLabels(
  job: { routeId: string; destinationId: string } | undefined,
  outcome: DeliveryOutcome,
): LabelsOf<'deliveries'> {
  return { route: job?.routeId ?? NO_LABEL, destination: job?.destinationId ?? NO_LABEL, outcome };
}

/**
 * Counters and latency observations. Names and label sets are defined once in
 * core/metric-names.ts; label values must come from bounded sets (config ids, fixed results),
 * never from request input, or every stray URL becomes a new time series.
 */
export interface Metrics {
  count<N extends CounterName>(name: N, labels: LabelsOf<N>, value?: number): void;
  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, valueMs: number): void;
}

/** For callers given no Metrics: records nothing. */
export const NO_METRICS: Metrics = {
  count() {},
  observe() {},
};
