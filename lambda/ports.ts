// The interfaces the core needs from the outside world. Adapters (local/, aws/) implement them.
import type { SecretRef } from './core/config';
import type { DeadLetter, DeliveryJob } from './core/jobs';

export interface SecretStore {
  /** The secret's string value (or one key of a JSON secret). `forceRefresh` bypasses any cache. */
  getSecret(ref: SecretRef, options?: { forceRefresh?: boolean }): Promise<string>;
}

export interface JobQueue {
  /** Resolves once every job is stored durably enough to be acknowledged; throws otherwise. */
  enqueue(jobs: readonly DeliveryJob[]): Promise<void>;
}

export interface DeadLetterStore {
  write(letter: DeadLetter): Promise<void>;
}

export type LogFields = Record<string, unknown>;

/** One JSON line per call. Fields must never hold secret values, signatures or auth headers. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type Fetch = typeof globalThis.fetch;

/** Remembers which notifications were accepted, to refuse the same signed body replayed later. */
export interface ReplayGuard {
  /** Records `key` for `ttlSeconds`. False if it is already recorded and not yet expired. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets `key`: the notification it stood for was not accepted after all (queue failure). */
  release(key: string): Promise<void>;
}
