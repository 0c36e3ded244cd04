// The local registry's text: every defined metric with HELP and TYPE, counters summed per label
// set, a cumulative latency histogram in seconds, and label values escaped so they parse back.
import { describe, expect, it } from 'vitest';
import {
  LATENCY_BUCKETS_SECONDS,
  PrometheusRegistry,
  prometheusName,
} from '../../../lambda/adapters/local/prometheus-registry';
import { METRICS, type MetricName } from '../../../lambda/core/metric-names';
import { parseExposition, sampleValue } from '../../support/prometheus-text';

describe('PrometheusRegistry', () => {
  it('declares every metric with HELP and TYPE before any sample', () => {
    const parsed = parseExposition(new PrometheusRegistry().render());
    const names = Object.keys(METRICS) as MetricName[];
    expect([...parsed.type]).toEqual(names.map((name) => [prometheusName(name), METRICS[name].kind]));
    expect([...parsed.help.keys()]).toEqual(names.map(prometheusName));
    expect(parsed.samples).toEqual([]);
    expect(prometheusName('received')).toBe('tfe_bridge_received_total');
    expect(prometheusName('delivery_latency')).toBe('tfe_bridge_delivery_latency_seconds');
  });

  it('sums counters per label set, whatever order the labels were given in', () => {
    const registry = new PrometheusRegistry();
    registry.count('received', { route: 'runs', result: 'accepted' });
    registry.count('received', { result: 'accepted', route: 'runs' }, 2);
    registry.count('received', { route: 'runs', result: 'rejected_signature' });
    const parsed = parseExposition(registry.render());
    const received = parsed.samples.filter((s) => s.name === 'tfe_bridge_received_total');
    expect(received).toEqual([
      { name: 'tfe_bridge_received_total', labels: { route: 'runs', result: 'accepted' }, value: 3 },
      {
        name: 'tfe_bridge_received_total',
        labels: { route: 'runs', result: 'rejected_signature' },
        value: 1,
      },
    ]);
  });

  it('renders latency as a cumulative histogram in seconds with +Inf, sum and count', () => {
    const registry = new PrometheusRegistry();
    const labels = { route: 'runs', destination: 'api' };
    for (const ms of [20, 80, 80, 4_000, 900_000]) registry.observe('delivery_latency', labels, ms);
    const parsed = parseExposition(registry.render());
    const name = 'tfe_bridge_delivery_latency_seconds';
    const bucket = (le: string) => sampleValue(parsed, `${name}_bucket`, { ...labels, le });
    expect(bucket('0.025')).toBe(1);
    expect(bucket('0.05')).toBe(1);
    expect(bucket('0.1')).toBe(3);
    expect(bucket('5')).toBe(4);
    expect(bucket(String(LATENCY_BUCKETS_SECONDS.at(-1)))).toBe(4);
    expect(bucket('+Inf')).toBe(5);
    expect(sampleValue(parsed, `${name}_count`, labels)).toBe(5);
    expect(sampleValue(parsed, `${name}_sum`, labels)).toBeCloseTo(904.18, 6);
    const les = parsed.samples.filter((s) => s.name === `${name}_bucket`).map((s) => s.labels.le);
    expect(les).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), '+Inf']);
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    const registry = new PrometheusRegistry();
    const odd = 'a\\b"c\nd';
    registry.count('deliveries', { route: odd, destination: 'x', outcome: 'delivered' });
    const text = registry.render();
    expect(text).toContain('route="a\\\\b\\"c\\nd"');
    expect(
      sampleValue(parseExposition(text), 'tfe_bridge_deliveries_total', {
        route: odd,
        destination: 'x',
        outcome: 'delivered',
      }),
    ).toBe(1);
  });
});
