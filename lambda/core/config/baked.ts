// The config as the Lambda bundles carry it: validated and normalized once, at `cdk synth`, and
// read at init without zod (it was most of the receiver's cold start, docs/performance.md).
// The format tag is the check that remains: a value not baked by this version's infra is refused.
import type { BridgeConfig } from './schema';

/** Bumped whenever BridgeConfig's normalized shape changes in a way older bundles cannot read. */
export const BAKED_CONFIG_FORMAT = 'tfe-bridge-config/1';

interface BakedConfig {
  format: typeof BAKED_CONFIG_FORMAT;
  config: BridgeConfig;
}

/** The JSON text to inline: `config` must already be the output of parseConfig(). */
export function bakeConfig(config: BridgeConfig): string {
  const baked: BakedConfig = { format: BAKED_CONFIG_FORMAT, config };
  return JSON.stringify(baked);
}

/** Reads bakeConfig()'s text; the problem as one sentence when it is not that. */
export function readBakedConfig(
  text: string,
): { ok: true; config: BridgeConfig } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message})` };
  }
  const baked = value as Partial<BakedConfig> | null;
  const routes = (baked?.config as { routes?: unknown } | undefined)?.routes;
  if (baked?.format !== BAKED_CONFIG_FORMAT || !Array.isArray(routes)) {
    return {
      ok: false,
      problem: `not a config baked by this version's cdk synth (format ${BAKED_CONFIG_FORMAT}); deploy the bundles and the config together with \`cdk deploy\``,
    };
  }
  return { ok: true, config: baked.config as BridgeConfig };
}
