// The Metrics port on CloudWatch: Powertools Metrics writes Embedded Metric Format (EMF) JSON
// lines to stdout, which CloudWatch Logs turns into metrics in the `TfeBridge` namespace.
// Samples are summed per label set during an invocation and written by publish() at its end.
import { MetricUnit, Metrics as Powertools } from '@aws-lambda-powertools/metrics';
import {
  type CounterName,
  type HistogramName,
  type LabelsOf,
  METRICS,
  METRICS_NAMESPACE,
  type MetricName,
} from '../../core/metric-names';
import type { Metrics } from '../../ports';

/** The `service` dimension when the environment names none (same name as the logs' service). */
const DEFAULT_SERVICE_NAME = 'tfe-bridge';
/** EMF caps one metric at 100 values per document. */
const MAX_VALUES_PER_DOCUMENT = 100;

interface Pending {
  name: MetricName;
  labels: Record<string, string>;
  /** One running sum for a counter; every observation for a histogram. */
  values: number[];
}

/**
 * Powertools puts a `service` dimension on every dimension set; the stack sets
 * POWERTOOLS_SERVICE_NAME to the stack name so two deployments in one account keep their
 * metrics (and alarms) apart.
 */
function createPowertools(): Powertools {
  return new Powertools({
    namespace: METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
  });
}

export class EmfMetrics implements Metrics {
  private readonly pending = new Map<string, Pending>();

  constructor(readonly powertools: Powertools = createPowertools()) {}

  count<N extends CounterName>(name: N, labels: LabelsOf<N>, value = 1): void {
    const entry = this.entry(name, labels);
    entry.values[0] = (entry.values[0] ?? 0) + value;
  }

  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, valueMs: number): void {
    this.entry(name, labels).values.push(valueMs);
  }

  /**
   * Writes one EMF line per metric and label set, with the full label set and each rollup as
   * dimension sets, then forgets them. Call it at the end of every invocation, errors included:
   * Lambda may freeze the process before the next one.
   */
  publish(): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const { name, labels, values } of entries) {
      const definition = METRICS[name];
      const unit = definition.kind === 'counter' ? MetricUnit.Count : MetricUnit.Milliseconds;
      for (let start = 0; start < values.length; start += MAX_VALUES_PER_DOCUMENT) {
        // Dimension sets only (no addDimension): each is published as given, and Powertools warns
        // about a key that is both a dimension and part of a set.
        for (const set of [definition.labels, ...definition.rollups]) {
          this.powertools.addDimensions(Object.fromEntries(set.map((label) => [label, labels[label] ?? ''])));
        }
        for (const value of values.slice(start, start + MAX_VALUES_PER_DOCUMENT)) {
          this.powertools.addMetric(name, unit, value);
        }
        this.powertools.publishStoredMetrics();
      }
    }
  }

  private entry(name: MetricName, labels: Record<string, string>): Pending {
    const key = JSON.stringify([name, ...METRICS[name].labels.map((label) => labels[label])]);
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { name, labels: { ...labels }, values: [] };
      this.pending.set(key, entry);
    }
    return entry;
  }
}
