// Built-in templates selectable as `template: { preset: NAME }`. `passthrough` forwards the
// original body byte for byte; the others are TypeScript functions over the payload and its
// `$event` view (event-view.ts). They were JSONata expressions at first (20-100x slower); they
// now also escape payload text and fit each service's limits (docs/destinations.md).
import { discordPreset } from './presets/discord';
import { genericPreset } from './presets/generic';
import { githubDispatchPreset } from './presets/github-dispatch';
import type { Preset } from './presets/helpers';
import { PAGERDUTY_ROUTING_KEY, pagerdutyPreset } from './presets/pagerduty';
import { slackPreset } from './presets/slack';
import { teamsPreset } from './presets/teams';

export type { Preset, PresetInput } from './presets/helpers';

/** Every rendered preset (passthrough has none: it is not rendered). */
export const PRESETS: Readonly<Record<string, Preset>> = {
  slack: slackPreset,
  teams: teamsPreset,
  discord: discordPreset,
  pagerduty: pagerdutyPreset,
  'github-dispatch': githubDispatchPreset,
  generic: genericPreset,
};

export const PRESET_NAMES = ['passthrough', ...Object.keys(PRESETS)] as const;

/** Named template secrets a preset reads: the config is invalid without them. */
export const PRESET_REQUIRED_SECRETS: Readonly<Record<string, readonly string[]>> = {
  pagerduty: [PAGERDUTY_ROUTING_KEY],
};
