// The bridge's error hierarchy. HTTP mapping happens only in app.ts (onError).

export class BridgeError extends Error {
  override name = 'BridgeError';
}

/** The request's signature is missing, malformed or does not match the route's secret. */
export class SignatureError extends BridgeError {
  override name = 'SignatureError';
}

/** The request body is not a JSON object we can work with. */
export class PayloadError extends BridgeError {
  override name = 'PayloadError';
}

export class RouteNotFoundError extends BridgeError {
  override name = 'RouteNotFoundError';
  constructor(readonly routeId: string) {
    super(`no route with id "${routeId}"`);
  }
}

/** The bridge config is invalid; `problems` holds one "path: message" line per bad field.
 *  `heading` says what is wrong when it is not the config's text (its secrets, say). */
export class ConfigError extends BridgeError {
  override name = 'ConfigError';
  constructor(
    readonly problems: string[],
    heading = 'invalid config',
  ) {
    super(`${heading}:\n  ${problems.join('\n  ')}`);
  }
}

/** The local secrets file cannot be read or is not `{ "<secretId>": value }`: a setup mistake
 *  like a config one, named as such. `problems` name the file and the entry, never a value. */
export class SecretsFileError extends BridgeError {
  override name = 'SecretsFileError';
  constructor(readonly problems: string[]) {
    super(`invalid secrets file:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * A secret could not be used. Carries the secret's id (a name), never its value. Never thrown
 * itself: the subclass says whether trying again can help, and callers branch with instanceof.
 */
export abstract class SecretError extends BridgeError {
  override name = 'SecretError';
  constructor(
    message: string,
    readonly secretId: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The store could not hand the secret out now (throttled, unreachable, not found yet, a secrets
 *  file mid-edit): the same read may work later, so a delivery is retried. */
export class SecretUnavailableError extends SecretError {
  override name = 'SecretUnavailableError';
}

/** The secret was read but cannot be used as the config says (no such JSON key, not JSON, a
 *  binary secret, an empty or placeholder signing key, a URL with credentials): reading it again
 *  returns the same thing, so a delivery fails at once and no outage is counted. */
export class InvalidSecretError extends SecretError {
  override name = 'InvalidSecretError';
}

/** A template could not be rendered for a payload. Never retryable: the same input fails again. */
export class TemplateError extends BridgeError {
  override name = 'TemplateError';
}

/** The request's Content-Type is not JSON. */
export class MediaTypeError extends BridgeError {
  override name = 'MediaTypeError';
}

/** A notification within the body limit whose job is still too big for one queue message (JSON
 *  escaping can nearly double a body). Not retryable: the same body is refused again. */
export class JobTooLargeError extends BridgeError {
  override name = 'JobTooLargeError';
}

/** The job queue did not accept every job: nothing may be acknowledged. */
export class QueueError extends BridgeError {
  override name = 'QueueError';
}

/** The outgoing request cannot be built (a URL from a secret that is not a usable URL). Not
 *  retryable: the same config and secrets fail again. */
export class RequestError extends BridgeError {
  override name = 'RequestError';
}

/** The local store cannot be opened or written (read-only or full disk, a path that is not a
 *  directory, a store in use by another bridge). At start the bridge refuses to run. */
export class StoreError extends BridgeError {
  override name = 'StoreError';
}

/** The same signed body was already accepted on this route (replay guard). */
export class ReplayedError extends BridgeError {
  override name = 'ReplayedError';
}

/** The client closed the connection before its body was read: an info line, not a server error. */
export class ClientAbortedError extends BridgeError {
  override name = 'ClientAbortedError';
}

/** An OAuth2 token endpoint refused the client's credentials or request (a 4xx: invalid_client,
 *  invalid_scope...). Not retryable: the same credentials are refused again. Dead letter reason
 *  `auth_failed`. The message quotes the endpoint's error, never a credential. */
export class AuthFailedError extends BridgeError {
  override name = 'AuthFailedError';
}

/** An OAuth2 token endpoint could not hand out a token now (5xx, 429, network error, timeout):
 *  retried like a delivery. */
export class TokenUnavailableError extends BridgeError {
  override name = 'TokenUnavailableError';
}
