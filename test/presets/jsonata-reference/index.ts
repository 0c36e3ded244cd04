// The built-in presets as they were first written, in JSONata, before they became TypeScript
// functions for speed (docs/performance.md). Kept as the reference the TypeScript presets are
// compared with on every fixture and on arbitrary input (jsonata-equivalence.property.test.ts).
import { DISCORD_PRESET } from './discord';
import { GENERIC_PRESET } from './generic';
import { GITHUB_DISPATCH_PRESET } from './github-dispatch';
import { PAGERDUTY_PRESET } from './pagerduty';
import { SLACK_PRESET } from './slack';
import { TEAMS_PRESET } from './teams';

export const JSONATA_PRESETS: Readonly<Record<string, string>> = {
  slack: SLACK_PRESET,
  teams: TEAMS_PRESET,
  discord: DISCORD_PRESET,
  pagerduty: PAGERDUTY_PRESET,
  'github-dispatch': GITHUB_DISPATCH_PRESET,
  generic: GENERIC_PRESET,
};
