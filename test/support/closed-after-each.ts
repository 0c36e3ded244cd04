// Destination servers and local bridges for the tests of one file, each closed after the test that
// started it (pass or fail), so no port or pending delivery leaks into the next test.
import { afterEach } from 'vitest';
import { type DestinationServer, startDestination } from './destination-server';
import { startTestBridge, type TestBridge } from './local-bridge';

export interface ClosedAfterEach {
  destination(...args: Parameters<typeof startDestination>): Promise<DestinationServer>;
  /** startTestBridge; closed with a 1 s drain unless the test closed it first. */
  bridge(...args: Parameters<typeof startTestBridge>): Promise<TestBridge>;
}

/** Call once at the top of a test file: registers the afterEach that closes what was started. */
export function closeAfterEach(): ClosedAfterEach {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((thing) => thing.close()));
  });
  return {
    async destination(...args) {
      const server = await startDestination(...args);
      open.push(server);
      return server;
    },
    async bridge(...args) {
      const started = await startTestBridge(...args);
      // A test may stop its bridge itself (a short drain, to see what shutdown leaves): once only.
      const close = started.close;
      let closing: ReturnType<typeof close> | undefined;
      started.close = (drainTimeoutMs) => {
        closing ??= close(drainTimeoutMs);
        return closing;
      };
      open.push({ close: async () => void (await started.close(1_000)) });
      return started;
    },
  };
}
