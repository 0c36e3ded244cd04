// Local metrics: an in-memory registry of the metrics in core/metric-names.ts, rendered in the
// Prometheus text exposition format 0.0.4 for `GET /metrics`. Counters get `_total`; latency is a
// histogram in seconds (Prometheus' base unit), observed in milliseconds like everywhere else.
import {
  type CounterName,
  type HistogramName,
  type LabelsOf,
  METRICS,
  type MetricName,
} from '../../core/metric-names';
import type { Metrics } from '../../core/ports';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const PROMETHEUS_PREFIX = 'tfe_bridge_';
/** Upper bounds in seconds: a fast webhook answers in tens of milliseconds, a timeout takes 10 s
 *  by default and up to 15 minutes at most. */
export const LATENCY_BUCKETS_SECONDS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

interface CounterSeries {
  labels: Record<string, string>;
  value: number;
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative; summed when rendered). */
  buckets: number[];
  sum: number;
  count: number;
}

/** The name a metric has in Prometheus: prefixed, with the unit or `_total` suffix. */
export function prometheusName(name: MetricName): string {
  const definition = METRICS[name];
  return `${PROMETHEUS_PREFIX}${name}${definition.kind === 'counter' ? '_total' : '_seconds'}`;
}

const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Record<string, string>, extra: Record<string, string> = {}): string {
  const pairs = Object.entries({ ...labels, ...extra }).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

export class PrometheusRegistry implements Metrics {
  private readonly counters = new Map<MetricName, Map<string, CounterSeries>>();
  private readonly histograms = new Map<MetricName, Map<string, HistogramSeries>>();

  count<N extends CounterName>(name: N, labels: LabelsOf<N>, value = 1): void {
    const series = seriesOf(this.counters, name, labels, () => ({ value: 0 }));
    series.value += value;
  }

  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, valueMs: number): void {
    const series = seriesOf(this.histograms, name, labels, () => ({
      buckets: LATENCY_BUCKETS_SECONDS.map(() => 0),
      sum: 0,
      count: 0,
    }));
    const seconds = valueMs / 1000;
    const bucket = LATENCY_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
    if (bucket !== -1) series.buckets[bucket] = (series.buckets[bucket] ?? 0) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** Every defined metric with HELP and TYPE, even before its first sample. */
  render(): string {
    const lines: string[] = [];
    for (const name of Object.keys(METRICS) as MetricName[]) {
      const definition = METRICS[name];
      const family = prometheusName(name);
      lines.push(`# HELP ${family} ${escapeHelp(definition.help)}`);
      lines.push(`# TYPE ${family} ${definition.kind}`);
      for (const series of this.counters.get(name)?.values() ?? []) {
        lines.push(`${family}${formatLabels(series.labels)} ${formatValue(series.value)}`);
      }
      for (const series of this.histograms.get(name)?.values() ?? []) {
        let cumulative = 0;
        LATENCY_BUCKETS_SECONDS.forEach((bound, index) => {
          cumulative += series.buckets[index] ?? 0;
          lines.push(`${family}_bucket${formatLabels(series.labels, { le: String(bound) })} ${cumulative}`);
        });
        lines.push(`${family}_bucket${formatLabels(series.labels, { le: '+Inf' })} ${series.count}`);
        lines.push(`${family}_sum${formatLabels(series.labels)} ${formatValue(series.sum)}`);
        lines.push(`${family}_count${formatLabels(series.labels)} ${series.count}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The series for one label set, created on first use; labels kept in the definition's order. */
function seriesOf<S>(
  families: Map<MetricName, Map<string, S & { labels: Record<string, string> }>>,
  name: MetricName,
  labels: Record<string, string>,
  create: () => S,
): S & { labels: Record<string, string> } {
  const names = METRICS[name].labels;
  const values = names.map((label) => labels[label] ?? '');
  const key = JSON.stringify(values);
  let family = families.get(name);
  if (!family) {
    family = new Map();
    families.set(name, family);
  }
  let series = family.get(key);
  if (!series) {
    // The labels object is built once per series, not on every count.
    const ordered = Object.fromEntries(names.map((label, index) => [label, values[index] ?? '']));
    series = { ...create(), labels: ordered };
    family.set(key, series);
  }
  return series;
}
