// Microsoft Teams Workflows webhook ("Post card in a chat or channel"): a message whose one
// attachment is an Adaptive Card 1.4. The retired connector MessageCard format is not used.
import { JSONATA_HELPERS } from './helpers';

export const TEAMS_PRESET = `(
  ${JSONATA_HELPERS}
  $e := $event;
  $style := $lookup({ "failure": "attention", "warning": "warning", "success": "good", "info": "accent" }, $e.outcome);
  $color := $lookup({ "failure": "Attention", "warning": "Warning", "success": "Good", "info": "Accent" }, $e.outcome);
  $when := $iso($e.epoch);
  {
    "type": "message",
    "attachments": [{
      "contentType": "application/vnd.microsoft.card.adaptive",
      "contentUrl": null,
      "content": {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": { "width": "Full" },
        "body": [
          {
            "type": "Container",
            "style": $style,
            "bleed": true,
            "items": [
              {
                "type": "TextBlock",
                "text": $join([$e.source, $e.trigger ? $e.trigger], " · "),
                "size": "Small",
                "isSubtle": true,
                "wrap": true
              },
              {
                "type": "TextBlock",
                "text": $trunc($e.message, 500),
                "size": "Large",
                "weight": "Bolder",
                "color": $color,
                "wrap": true,
                "spacing": "None"
              }
            ]
          },
          $e.subject ? { "type": "TextBlock", "text": $e.subject, "weight": "Bolder", "wrap": true },
          $e.details ? { "type": "TextBlock", "text": $trunc($e.details, 4000), "wrap": true },
          $count($e.facts) > 0 ? { "type": "FactSet", "facts": [$e.facts.{ "title": title, "value": value }] },
          /* Teams shows DATE/TIME in the reader's own time zone. */
          $when ? {
            "type": "TextBlock",
            "text": "{{DATE(" & $when & ", SHORT)}} {{TIME(" & $when & ")}}",
            "size": "Small",
            "isSubtle": true,
            "wrap": true
          }
        ],
        "actions": $e.url ? [{ "type": "Action.OpenUrl", "title": $e.url_label, "url": $e.url }]
      }
    }]
  }
)`;
