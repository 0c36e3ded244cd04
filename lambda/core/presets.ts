// Built-in templates selectable as `template: { preset: NAME }`. `passthrough` forwards the
// original body byte for byte; the others are JSONata expressions (plain strings, so config.ts
// can list the names without loading JSONata) over the payload and `$event` (event-view.ts).
import { DISCORD_PRESET } from './presets/discord';
import { GENERIC_PRESET } from './presets/generic';
import { GITHUB_DISPATCH_PRESET } from './presets/github-dispatch';
import { PAGERDUTY_PRESET, PAGERDUTY_ROUTING_KEY } from './presets/pagerduty';
import { SLACK_PRESET } from './presets/slack';
import { TEAMS_PRESET } from './presets/teams';

/** JSONata source of each expression preset (passthrough has none: it is not rendered). */
export const PRESET_EXPRESSIONS: Readonly<Record<string, string>> = {
  slack: SLACK_PRESET,
  teams: TEAMS_PRESET,
  discord: DISCORD_PRESET,
  pagerduty: PAGERDUTY_PRESET,
  'github-dispatch': GITHUB_DISPATCH_PRESET,
  generic: GENERIC_PRESET,
};

export const PRESET_NAMES = ['passthrough', ...Object.keys(PRESET_EXPRESSIONS)] as const;

/** Named template secrets a preset reads: the config is invalid without them. */
export const PRESET_REQUIRED_SECRETS: Readonly<Record<string, readonly string[]>> = {
  pagerduty: [PAGERDUTY_ROUTING_KEY],
};
