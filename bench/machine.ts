// What the numbers were measured on: printed first, since ratios only compare within one machine.
import { cpus, freemem, loadavg, totalmem } from 'node:os';

export function describeMachine(): string[] {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return [
    `machine: ${cores.length} cores, ${model}, ${gib(totalmem())} RAM (${gib(freemem())} free)`,
    `node ${process.version} on ${process.platform}/${process.arch}, ${describeLoad()}`,
  ];
}

/** Other work on the machine skews everything; printed before and after the run to show it. */
export const describeLoad = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
