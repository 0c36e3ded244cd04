// PagerDuty Events API v2. One incident per workspace: failures and warnings `trigger` it, the
// next successful run `resolve`s it. Informational events (run:created, HCP events, ...) must
// neither page anyone nor close a real incident, and the bridge cannot skip a delivery, so they
// become a `resolve` of a key no trigger ever uses, which PagerDuty accepts and discards.
// Filter them out in the config to not send them at all (docs/destinations.md).
import { JSONATA_HELPERS } from './helpers';

export const PAGERDUTY_PRESET = `(
  ${JSONATA_HELPERS}
  $e := $event;
  $scope := $e.subject ? $e.subject : ($e.id ? $e.id : $e.kind);
  $key := $trunc(
    $e.kind = "change-request"
      /* A run does not answer a change request: each request is its own incident. */
      ? "tfe-bridge/" & $scope & "/change-request/" & ($e.url ? $e.url : $e.timestamp)
      : "tfe-bridge/" & $scope,
    255
  );
  $action := $e.outcome in ["failure", "warning"] ? "trigger" : "resolve";
  $severity := $e.outcome = "failure" ? "error" : "warning";
  {
    "routing_key": $secrets.routingKey,
    "event_action": $action,
    "dedup_key": $e.outcome = "info" ? $trunc($key & "/info", 255) : $key,
    "payload": $action = "trigger" ? {
      "summary": $trunc($e.summary, 1024),
      "source": $trunc($e.subject ? $e.subject : $e.source, 255),
      "severity": $severity,
      "timestamp": $iso($e.epoch),
      "component": $e.workspace ? $trunc($e.workspace, 255),
      "group": $e.organization ? $trunc($e.organization, 255),
      "class": $e.trigger ? $trunc($e.trigger, 255),
      "custom_details": $merge([
        { "kind": $e.kind },
        $e.subject ? { "subject": $e.subject },
        $e.details ? { "details": $e.details },
        $e.facts.{ title: value }
      ])
    },
    "client": $action = "trigger" ? $e.source,
    "client_url": $action = "trigger" and $e.url ? $e.url,
    "links": $action = "trigger" and $e.url ? [{ "href": $e.url, "text": $e.url_label }]
  }
)`;
