// Discord webhook: one embed coloured by outcome, with the facts as inline fields. Mentions are
// disabled so text from a payload can never ping @everyone.
import { JSONATA_HELPERS } from './helpers';

export const DISCORD_PRESET = String.raw`(
  ${JSONATA_HELPERS}
  $e := $event;
  /* Discord markdown: escape what would turn names like my_workspace into formatting. */
  $md := function($s) { $replace($s, /([\\*_~|])/, "\\$1") };
  $color := $lookup({ "failure": 14431557, "warning": 16098851, "success": 3061373, "info": 8078012 }, $e.outcome);
  $description := $join([$e.subject ? "**" & $md($e.subject) & "**", $e.details ? $md($e.details)], "\n");
  {
    "allowed_mentions": { "parse": [] },
    "embeds": [{
      "author": { "name": $e.source },
      "title": $trunc($e.message, 256),
      "url": $e.url ? $e.url,
      "description": $description != "" ? $trunc($description, 4096),
      "color": $color,
      "fields": [$e.facts[[0..24]].{ "name": $trunc(title, 256), "value": $trunc(value, 1024), "inline": true }],
      "footer": { "text": $e.trigger ? $e.trigger : $e.kind },
      "timestamp": $iso($e.epoch)
    }]
  }
)`;
