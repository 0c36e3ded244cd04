// What the delivering process does for its store in the background: keep its lease, notice jobs
// another process put there (`dead-letters replay`), and prune what the dedup window no longer
// needs. Timers are unref'd: they never keep the process alive.
import type { Logger } from '../../core/ports';
import { LEASE_HEARTBEAT_MS, type LocalStore } from './local-store';
import { describeStoreError } from './sqlite-store';

/** How often the store is checked for jobs another process put there. */
const POLL_MS = 500;
/** Delivered rows older than the dedup window are deleted this often. */
const PRUNE_EVERY_MS = 60_000;

export interface UpkeepOptions {
  store: LocalStore;
  logger: Logger;
  now: () => number;
  dedupWindowMs: number;
  /** Lanes with pending jobs someone else added. */
  onNewJobs: (lanes: string[]) => void;
  /** The lease went to another process: stop delivering. */
  onLeaseLost: () => void;
}

/** Starts the upkeep; returns what stops it. */
export function startUpkeep(options: UpkeepOptions): () => void {
  const { store, logger } = options;
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, task: () => void) => {
    const timer = setInterval(() => {
      try {
        task();
      } catch (error) {
        logger.warn('store maintenance failed', { cause: describeStoreError(error) });
      }
    }, ms);
    timer.unref();
    timers.push(timer);
  };
  let version = store.dataVersion();
  every(LEASE_HEARTBEAT_MS, () => {
    if (store.renewLease()) return;
    logger.error('another process took over the store: this bridge stops delivering', { store: store.path });
    options.onLeaseLost();
  });
  every(POLL_MS, () => {
    // data_version changes only when another connection commits.
    const current = store.dataVersion();
    if (current === version) return;
    version = current;
    options.onNewJobs(store.jobs.pendingLanes());
  });
  every(PRUNE_EVERY_MS, () => {
    store.jobs.prune(options.now() - options.dedupWindowMs);
    store.vacuum();
  });
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
