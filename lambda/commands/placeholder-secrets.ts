// `render` without a secrets file: each secret reads as `<secret ID>` (`<secret ID#KEY>` for a
// jsonKey), so the request is printed exactly as built, with the names of what it would carry.
import type { DestinationConfig, SecretRef } from '../core/config/schema';
import type { OutgoingRequest } from '../core/deliver/request';
import type { SecretStore } from '../core/ports';

const nameOf = (ref: SecretRef): string =>
  `${ref.secretId}${ref.jsonKey === undefined ? '' : `#${ref.jsonKey}`}`;

/** `<secret tfe-bridge/callback#token>` */
export const placeholderOf = (ref: SecretRef): string => `<secret ${nameOf(ref)}>`;

// A URL no one owns (RFC 2606), which the delivery code accepts as a destination URL; shown as
// the placeholder once the request is built.
const URL_STAND_IN = 'https://secret-url.invalid/';

export class PlaceholderSecretStore implements SecretStore {
  private readonly urlNames: Set<string>;
  private readonly standIns = new Map<string, string>();

  /** `destination`'s URL secret, if it has one, reads as a URL (or the request could not be built). */
  constructor(destination: DestinationConfig) {
    const { url } = destination;
    this.urlNames = new Set(typeof url === 'object' ? [nameOf(url.secret)] : []);
  }

  async getSecret(ref: SecretRef): Promise<string> {
    if (!this.urlNames.has(nameOf(ref))) return placeholderOf(ref);
    const standIn = `${URL_STAND_IN}${this.standIns.size}`;
    this.standIns.set(standIn, placeholderOf(ref));
    return standIn;
  }

  /** The request as printed: URL stand-ins back to their placeholder, and a basic credential as
   *  `Basic base64(user:<secret ...>)` rather than base64 no one can read. */
  reveal(request: OutgoingRequest): OutgoingRequest {
    const show = (text: string) =>
      [...this.standIns].reduce(
        (shown, [standIn, placeholder]) => shown.split(standIn).join(placeholder),
        text,
      );
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => {
        const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(value)?.[1];
        const decoded = basic === undefined ? '' : Buffer.from(basic, 'base64').toString('utf8');
        return [name, decoded.includes('<secret ') ? `Basic base64(${decoded})` : show(value)];
      }),
    );
    return { ...request, url: show(request.url), headers, body: show(request.body) };
  }
}
