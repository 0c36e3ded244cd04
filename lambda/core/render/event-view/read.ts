// Defensive reads of untrusted payload fields: HashiCorp sends nulls, and unknown payloads may
// hold anything, so a view never assumes a type.
export type Json = Record<string, unknown>;

export const obj = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};

export const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(obj) : []);

/** A non-blank string (numbers as text), or null. */
export function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** Longer links are refused: browsers and services (Slack buttons: 3000) stop around there. */
export const MAX_URL_LENGTH = 2000;

/** An absolute http(s) URL in its normalized form (WHATWG `href`: spaces, quotes, `<` and `>`
 *  percent-encoded, host in punycode), or null: destinations reject links that are not. */
export function link(value: unknown): string | null {
  const candidate = text(value);
  if (!candidate || candidate.length > MAX_URL_LENGTH * 3) return null;
  try {
    const url = new URL(candidate);
    const ok = url.protocol === 'https:' || url.protocol === 'http:';
    return ok && url.href.length <= MAX_URL_LENGTH ? url.href : null;
  } catch {
    return null;
  }
}

/** "acme-org/my-workspace", or whichever half is known. */
export function workspacePath(organization: string | null, workspace: string | null): string | null {
  if (organization && workspace) return `${organization}/${workspace}`;
  return workspace ?? organization;
}

/** The scheme and host of a URL the payload gave, to build links on the same instance. */
export function originOf(url: string | null): string | null {
  const checked = link(url);
  return checked ? new URL(checked).origin : null;
}

/** HCP Terraform lives on *.terraform.io; any other host is a Terraform Enterprise install. */
export function terraformSource(url: string | null): string {
  const origin = originOf(url);
  if (!origin) return 'HCP Terraform';
  return /^https?:\/\/([a-z0-9-]+\.)*terraform\.io$/i.test(origin) ? 'HCP Terraform' : 'Terraform Enterprise';
}

/** The workspace page on the instance that sent the notification. */
export function workspaceUrl(
  origin: string | null,
  organization: string | null,
  workspace: string | null,
): string | null {
  if (!origin || !organization || !workspace) return null;
  const url = `${origin}/app/${encodeURIComponent(organization)}/workspaces/${encodeURIComponent(workspace)}`;
  return url.length <= MAX_URL_LENGTH ? url : null;
}
