// Presets as they were first written, in JSONata, before they became TypeScript functions for
// speed (docs/performance.md). `generic` is still byte for byte the TypeScript preset
// (jsonata-equivalence.property.test.ts). `slack` is the expression before issue 14 (it puts
// payload text into mrkdwn), kept only as the benchmark's "before" row: do not copy it. The
// other presets' expressions were retired with issue 14, when escaping and the services' size
// limits (UTF-16 units, JSON bytes) went beyond what reads clearly in JSONata.
import { GENERIC_PRESET } from './generic';
import { SLACK_PRESET } from './slack';

export const JSONATA_PRESETS: Readonly<Record<string, string>> = {
  slack: SLACK_PRESET,
  generic: GENERIC_PRESET,
};
