// The worker's live-message table variable, checked at init like the rest of its environment
// (env.ts): a config with a `live` destination and no table fails the deploy's first invocation
// with the reason, instead of posting a new message for every notification.
import { usesLive } from '../../core/config/live';
import type { BridgeConfig } from '../../core/config/schema';
import { LIVE_MESSAGE_TABLE_ENV } from './dynamodb-live-messages';
import { LambdaEnvError } from './env';

export function readLiveMessageTable(
  config: BridgeConfig,
  // A literal member expression, as env.ts explains.
  value: string | undefined = process.env.LIVE_MESSAGE_TABLE,
): string | undefined {
  const table = value?.trim() || undefined;
  if (table === undefined && usesLive(config)) {
    throw new LambdaEnvError([
      `${LIVE_MESSAGE_TABLE_ENV} is not set, but a destination of the config is live`,
    ]);
  }
  return table;
}
