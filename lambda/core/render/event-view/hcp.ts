// Views of HCP project webhooks (Packer, Vault Secrets, ...) and their verification ping. The
// envelope is common; `event_payload` is per service, so only well-known keys are read.

import { HCP_VERIFICATION_SOURCE } from '../../receive/payloads';
import type { ViewParts } from './parts';
import { type Json, obj, text } from './read';

const SERVICE_NAMES: Readonly<Record<string, string>> = {
  packer: 'HCP Packer',
  secrets: 'HCP Vault Secrets',
  'vault-radar': 'HCP Vault Radar',
  vault: 'HCP Vault',
  boundary: 'HCP Boundary',
  consul: 'HCP Consul',
  terraform: 'HCP Terraform',
  waypoint: 'HCP Waypoint',
};

/** What an unknown service may be called in a product name: HCP's own are lowercase words. */
const SERVICE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** `hashicorp.packer.version` → "HCP Packer"; an unknown service keeps its own name when it
 *  looks like one, so a product name never carries payload text such as `<!channel>`. */
function serviceName(eventSource: string | null): string {
  const service = eventSource?.split('.')[1];
  if (!service || eventSource === HCP_VERIFICATION_SOURCE) return 'HCP';
  // hasOwn: `constructor` or `__proto__` as a service would otherwise read Object's members.
  if (Object.hasOwn(SERVICE_NAMES, service)) return SERVICE_NAMES[service] as string;
  return SERVICE_ID.test(service) ? `HCP ${service}` : 'HCP';
}

/** The person or principal behind the event, most readable form first. */
function actorOf(payload: Json): string | null {
  const actor = obj(payload.actor);
  const user = obj(actor.user);
  return text(user.name) ?? text(user.email) ?? text(actor.principal_id) ?? text(payload.principal_id);
}

export function viewHcpEvent(envelope: Json): ViewParts {
  const payload = obj(envelope.event_payload);
  const eventSource = text(envelope.event_source);
  const action = text(envelope.event_action);
  const source = serviceName(eventSource);
  const bucket = text(obj(payload.bucket).name);
  const version = text(obj(payload.version).name) ?? text(payload.version);
  // Vault Secrets names the app of a secret `app_name`, and the app itself `name`.
  const appName = text(payload.app_name);
  const name = text(payload.name);
  const subject = bucket ?? (appName && name ? `${appName}/${name}` : name);
  const message =
    eventSource === HCP_VERIFICATION_SOURCE
      ? 'Webhook verification'
      : (text(envelope.event_description) ?? action ?? 'HCP event');
  const actor = actorOf(payload);
  return {
    trigger: eventSource && action ? `${eventSource}:${action}` : eventSource,
    status: action,
    source,
    message,
    summary: `${source}: ${message}${subject ? ` (${subject})` : ''}`,
    details: text(envelope.resource_name),
    subject,
    workspace: null,
    workspaceId: null,
    organization: text(payload.organization_id),
    resource: text(envelope.resource_name),
    id: text(envelope.event_id),
    // HCP sends no link, and its portal URLs are not documented: no guessed link.
    url: null,
    urlLabel: null,
    actor,
    timestamp: text(payload.timestamp),
    facts: [
      ['Action', action],
      ['Bucket', bucket],
      ['Channel', text(obj(payload.channel).name)],
      ['App', appName],
      ['Name', bucket ? null : name],
      ['Version', version],
      ['Previous version', text(obj(payload.previous_version).name)],
      ['Provider', text(payload.provider)],
      ['By', actor],
    ],
  };
}
