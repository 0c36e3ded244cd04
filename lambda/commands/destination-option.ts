// `--destination ROUTE/DEST`, shared by render and send-test: the configured destination it names.
import type { LoadedConfig } from '../adapters/local/config-file';
import { buildTargets, type DeliveryTarget } from '../core/deliver/request';
import { UsageError } from './args';

/** The destination `key` names, or a usage error listing the ones the config has. */
export function targetNamed(loaded: LoadedConfig, key: string): DeliveryTarget {
  const targets = buildTargets(loaded.config, loaded.renderers);
  const target = targets.get(key);
  if (!target) {
    const known = [...targets.keys()].join(', ');
    throw new UsageError(`no destination "${key}" in ${loaded.path}; destinations: ${known}`);
  }
  return target;
}
