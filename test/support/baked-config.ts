// The config text the Lambda bundles carry (core/config/baked.ts), from a raw config as a user
// writes it: validated and normalized here, as `cdk synth` does.
import { bakeConfig } from '../../lambda/core/config/baked';
import { parseConfig } from '../../lambda/core/config/parse';

export const bakedConfigJson = (raw: unknown): string => bakeConfig(parseConfig(raw));
