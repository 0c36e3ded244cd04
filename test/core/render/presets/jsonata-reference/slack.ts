// The Slack preset as it was before issue 14, for the benchmark only: it puts payload text into
// mrkdwn and the run URL into `<url|label>`, which lets a payload add markup (see slack.ts in
// lambda/core/presets for the preset as it is).
import { JSONATA_HELPERS } from './helpers';

export const SLACK_PRESET = String.raw`(
  ${JSONATA_HELPERS}
  $e := $event;
  /* Slack mrkdwn treats & < > as control characters. */
  $esc := function($s) { $replace($replace($replace($s, "&", "&amp;"), "<", "&lt;"), ">", "&gt;") };
  $icon := $lookup({
    "failure": ":red_circle:",
    "warning": ":large_yellow_circle:",
    "success": ":large_green_circle:",
    "info": ":large_blue_circle:"
  }, $e.outcome);
  /* Inline code (\u0060 is a backtick): trigger names read as identifiers. */
  $code := function($s) { "\u0060" & $esc($s) & "\u0060" };
  $where := $e.subject ? ($e.url ? "*<" & $e.url & "|" & $esc($e.subject) & ">*" : "*" & $esc($e.subject) & "*");
  $what := $e.details ? $esc($e.details);
  $when := $e.epoch ? "<!date^" & $string($e.epoch) & "^{date_short_pretty} at {time}|" & $iso($e.epoch) & ">";
  {
    "text": $trunc($icon & " " & $esc($e.summary), 3000),
    "blocks": [
      {
        "type": "header",
        "text": { "type": "plain_text", "text": $trunc($icon & " " & $e.message, 150), "emoji": true }
      },
      $where or $what ? {
        "type": "section",
        "text": { "type": "mrkdwn", "text": $trunc($join([$where, $what], "\n"), 3000) }
      },
      $count($e.facts) > 0 ? {
        "type": "section",
        "fields": [$e.facts[[0..9]].{ "type": "mrkdwn", "text": $trunc("*" & title & "*\n" & $esc(value), 2000) }]
      },
      {
        "type": "context",
        "elements": [{
          "type": "mrkdwn",
          "text": $join([$e.source, $e.trigger ? $code($e.trigger), $when], " · ")
        }]
      },
      $e.url ? {
        "type": "actions",
        "elements": [{
          "type": "button",
          "text": { "type": "plain_text", "text": $e.url_label },
          "url": $e.url
        }]
      }
    ]
  }
)`;
