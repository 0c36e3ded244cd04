// What becomes of a guard's events (circuit opened, probe, closed; rate-limit waits and changes):
// one log line each, and the circuit changes as the `circuit_changes` metric.
import type { Logger, Metrics } from '../ports';
import type { GuardListener } from './destination-guard';

const CIRCUIT_STATES = {
  'circuit-opened': 'opened',
  'circuit-probe': 'probe',
  'circuit-closed': 'closed',
} as const;

/** Circuit changes as the `circuit_changes` metric (the stack alarms on `opened`). */
export function circuitMetrics(metrics: Metrics): GuardListener {
  return (event) => {
    if (!(event.type in CIRCUIT_STATES)) return;
    const state = CIRCUIT_STATES[event.type as keyof typeof CIRCUIT_STATES];
    metrics.count('circuit_changes', { route: event.route, destination: event.destination, state });
  };
}

/** The log lines for guard events; each `extra` listener (metrics, tests) sees every event too. */
export function guardLogger(logger: Logger, ...extra: (GuardListener | undefined)[]): GuardListener {
  return (event) => {
    const { type, ...fields } = event;
    switch (type) {
      case 'circuit-opened':
        logger.warn('circuit opened', {
          ...fields,
          reason: 'consecutive failures: jobs are held, not retried',
        });
        break;
      case 'circuit-probe':
        logger.info('circuit probe', fields);
        break;
      case 'circuit-closed':
        logger.info('circuit closed', fields);
        break;
      case 'rate-limit-wait':
        logger.info('rate limit wait', fields);
        break;
      case 'rate-lowered':
        logger.warn('rate limit lowered after 429', fields);
        break;
      case 'rate-restored':
        logger.info('rate limit restored', fields);
        break;
    }
    for (const listener of extra) listener?.(event);
  };
}
