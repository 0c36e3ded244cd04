// The Metrics port on CloudWatch: Embedded Metric Format (EMF) documents, one JSON line each on
// stdout, which CloudWatch Logs turns into metrics in the `TfeBridge` namespace. Samples are
// summed per label set during an invocation and written by publish() at its end.
//
// Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// Written by hand rather than with Powertools Metrics: 2.36 warns on every document whose
// dimension sets share a key (our rollups always do), and it would add 13 kB to the receiver.
import {
  type CounterName,
  type HistogramName,
  type LabelsOf,
  METRICS,
  METRICS_NAMESPACE,
  type MetricName,
} from '../../core/metric-names';
import type { Metrics } from '../../core/ports';

/** The `service` dimension when the environment names none (the logs' service name). */
const DEFAULT_SERVICE_NAME = 'tfe-bridge';
/** EMF caps one metric at 100 values per document. */
const MAX_VALUES_PER_DOCUMENT = 100;

export interface EmfMetricsOptions {
  /**
   * Added as a `service` dimension to every dimension set. The stack sets POWERTOOLS_SERVICE_NAME
   * to the stack name, so two deployments in one account keep their metrics and alarms apart.
   */
  service?: string;
  write?: (line: string) => void;
  now?: () => number;
}

interface Pending {
  name: MetricName;
  labels: Record<string, string>;
  /** One running sum for a counter; every observation for a histogram. */
  values: number[];
}

export class EmfMetrics implements Metrics {
  private readonly pending = new Map<string, Pending>();
  private readonly service: string;
  private readonly write: (line: string) => void;
  private readonly now: () => number;

  constructor(options: EmfMetricsOptions = {}) {
    this.service = options.service ?? (process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME);
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.now = options.now ?? Date.now;
  }

  count<N extends CounterName>(name: N, labels: LabelsOf<N>, value = 1): void {
    const entry = this.entry(name, labels);
    entry.values[0] = (entry.values[0] ?? 0) + value;
  }

  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, valueMs: number): void {
    this.entry(name, labels).values.push(valueMs);
  }

  /**
   * Writes one document per metric and label set, published under the full label set and under
   * each rollup, then forgets them. Call it at the end of every invocation, errors included:
   * Lambda may freeze the process before the next one.
   */
  publish(): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const { name, labels, values } of entries) {
      const definition = METRICS[name];
      const directive = {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [definition.labels, ...definition.rollups].map((set) => ['service', ...set]),
        Metrics: [{ Name: name, Unit: definition.kind === 'counter' ? 'Count' : 'Milliseconds' }],
      };
      for (let start = 0; start < values.length; start += MAX_VALUES_PER_DOCUMENT) {
        const chunk = values.slice(start, start + MAX_VALUES_PER_DOCUMENT);
        const document = {
          _aws: { Timestamp: this.now(), CloudWatchMetrics: [directive] },
          service: this.service,
          ...labels,
          [name]: chunk.length === 1 ? chunk[0] : chunk,
        };
        this.write(`${JSON.stringify(document)}\n`);
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
