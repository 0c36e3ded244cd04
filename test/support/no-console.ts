// Fails any test that writes to the console: tests capture their logs, so console output means
// a log line escaped a logger (or a forgotten debug print).
import { afterEach, beforeEach, expect, vi } from 'vitest';

const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;

beforeEach(() => {
  for (const method of methods) vi.spyOn(console, method);
});

afterEach(() => {
  for (const method of methods) {
    const spy = vi.mocked(console[method]);
    const calls = spy.mock.calls.length;
    spy.mockRestore();
    expect(calls, `console.${method} was called`).toBe(0);
  }
});
