import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lazyHandler } from '../../lambda/adapters/aws/lazy-handler';

const context = {} as Context;

/** A build that counts its calls and fails while `failures` is above zero. */
function countingBuild(failures = 0) {
  const state = { builds: 0, failures };
  const build = async () => {
    state.builds++;
    if (state.failures-- > 0) throw new Error('QUEUE_URL is not set');
    return async (event: string) => `handled ${event}`;
  };
  return { state, build };
}

describe('lazyHandler', () => {
  it('builds on the first invocation only, then reuses the handler', async () => {
    const { state, build } = countingBuild();
    const handler = lazyHandler(build);
    expect(state.builds).toBe(0);
    expect(await handler('a', context)).toBe('handled a');
    expect(await handler('b', context)).toBe('handled b');
    expect(state.builds).toBe(1);
  });

  it('builds at once when eager, and the first invocation uses that build', async () => {
    const { state, build } = countingBuild();
    const handler = lazyHandler(build, { eager: true });
    expect(state.builds).toBe(1);
    expect(await handler('a', context)).toBe('handled a');
    expect(state.builds).toBe(1);
  });

  it('throws a failed eager build from the first invocation, and builds again on the next', async () => {
    const { state, build } = countingBuild(1);
    const handler = lazyHandler(build, { eager: true });
    await expect(handler('a', context)).rejects.toThrow('QUEUE_URL is not set');
    expect(await handler('b', context)).toBe('handled b');
    expect(state.builds).toBe(2);
  });
});
