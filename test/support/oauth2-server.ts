// A real OAuth2 authorization server for the tests: oauth2-mock-server (it issues signed JWTs from
// its token endpoint), with client authentication added through its beforeResponse hook (the mock
// accepts any client), token lifetimes and outages set by the test, and every token request kept.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

export interface TokenRequestSeen {
  /** How the client authenticated: HTTP Basic or client_id/client_secret in the form. */
  clientAuth: 'basic' | 'post' | 'none';
  clientId: string | undefined;
  clientSecret: string | undefined;
  form: Record<string, string>;
  /** The status the server answered. */
  status: number;
}

export interface TestOAuth2Server {
  tokenUrl: string;
  requests: TokenRequestSeen[];
  /** Every access token handed out, in order. */
  issued: string[];
  /** The client credentials the server accepts (change them to rotate). */
  client: { id: string; secret: string };
  /** `expires_in` of the next tokens, in seconds. */
  expiresIn: number;
  /** Answers the next token requests with this status (an outage), while set. */
  failWith: number | undefined;
  /** Put into the error description of a refused request (a server that echoes what it got). */
  echoSecretInError: boolean;
  close(): Promise<void>;
}

function credentialsOf(req: IncomingMessage & { body?: Record<string, string> }) {
  const form = req.body ?? {};
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
    const part = (text: string) => new URLSearchParams(`v=${text}`).get('v') ?? '';
    return {
      clientAuth: 'basic' as const,
      clientId: part(decoded.slice(0, colon)),
      clientSecret: part(decoded.slice(colon + 1)),
      form,
    };
  }
  if (form.client_id !== undefined) {
    return { clientAuth: 'post' as const, clientId: form.client_id, clientSecret: form.client_secret, form };
  }
  return { clientAuth: 'none' as const, clientId: undefined, clientSecret: undefined, form };
}

export async function startOAuth2Server(client: { id: string; secret: string }): Promise<TestOAuth2Server> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const state: TestOAuth2Server = {
    tokenUrl: `${server.issuer.url}/token`,
    requests: [],
    issued: [],
    client,
    expiresIn: 3600,
    failWith: undefined,
    echoSecretInError: false,
    close: () => server.stop(),
  };
  // A unique id in every token, so two tokens issued in the same second differ (the mock's JWTs
  // carry only second-resolution times otherwise).
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    token.payload.jti = randomUUID();
  });
  server.service.on(
    'beforeResponse',
    (response: { statusCode: number; body: unknown }, req: IncomingMessage) => {
      const seen = credentialsOf(req as IncomingMessage & { body?: Record<string, string> });
      const body = response.body as Record<string, unknown>;
      if (state.failWith !== undefined) {
        response.statusCode = state.failWith;
        response.body = { error: 'server_error', error_description: 'the authorization server is down' };
      } else if (seen.clientId !== state.client.id || seen.clientSecret !== state.client.secret) {
        response.statusCode = seen.clientAuth === 'basic' ? 401 : 400;
        const given = state.echoSecretInError ? ` (got secret ${seen.clientSecret})` : '';
        response.body = {
          error: 'invalid_client',
          error_description: `Client authentication failed${given}`,
        };
      } else {
        body.expires_in = state.expiresIn;
        state.issued.push(String(body.access_token));
      }
      state.requests.push({ ...seen, status: response.statusCode });
    },
  );
  return state;
}
