// A local HCP Terraform / TFE API as LIVE-MESSAGES.md §1 documents it: JSON:API answers as
// `application/vnd.api+json` with X-RateLimit-Limit and TFP-API-Version, the bearer token
// checked (401 with HashiCorp's stub body), unknown paths 404, a 429 with X-RateLimit-Reset on
// cue, and log-read-url paths (`/v1/object/...`, no token: signed URLs) serving STX/ETX-wrapped
// logs. It serves a recorded fixture (examples/hcp-api/*.json: path → answer), with the
// archivist host in it replaced by its own address.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ARCHIVIST_ORIGIN = 'https://archivist.terraform.io';

export interface ApiRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
}

export interface HcpTerraformServerOptions {
  /** Path → answer: an object is a JSON:API document, a string a log. */
  fixture: Record<string, unknown>;
  /** The token API calls must carry (Authorization: Bearer). */
  token: string;
  /** Each API answer comes this late (the budget test); logs too. */
  delayMs?: number;
  /** The first `count` API calls get 429 with X-RateLimit-Reset: `resetSeconds`. */
  rateLimit?: { count: number; resetSeconds: string };
}

export interface HcpTerraformServer {
  url: string;
  requests: ApiRequest[];
  /** Change behaviour between tests or runs (delay, rate limit, token). */
  options: HcpTerraformServerOptions;
  close(): Promise<void>;
}

export const readApiFixtureFile = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

const JSON_API = 'application/vnd.api+json';
const API_HEADERS = {
  'x-ratelimit-limit': '30',
  'tfp-api-version': '34.21.9',
  'tfp-appname': 'HCP Terraform',
};
const apiError = (status: number, title: string) =>
  JSON.stringify({ errors: [{ status: String(status), title }] });

export async function startHcpTerraformServer(
  options: HcpTerraformServerOptions,
): Promise<HcpTerraformServer> {
  const requests: ApiRequest[] = [];
  let limited = 0;
  let origin = '';
  let opts = options;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, headers: req.headers });
    const send = (status: number, headers: Record<string, string>, body: string) => {
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(status, headers).end(body);
      };
      if (opts.delayMs) setTimeout(reply, opts.delayMs);
      else reply();
    };
    const answer = opts.fixture[url.pathname];
    if (url.pathname.startsWith('/v1/object/')) {
      if (typeof answer !== 'string') return send(404, { 'content-type': 'text/plain' }, 'not found');
      return send(200, { 'content-type': 'text/plain; charset=utf-8' }, answer);
    }
    const headers = { ...API_HEADERS, 'content-type': JSON_API };
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return send(401, headers, apiError(401, 'unauthorized'));
    if (opts.rateLimit && limited < opts.rateLimit.count) {
      limited += 1;
      return send(
        429,
        { ...headers, 'x-ratelimit-reset': opts.rateLimit.resetSeconds },
        JSON.stringify({
          errors: [
            { detail: "You have exceeded the API's rate limit.", status: 429, title: 'Too many requests' },
          ],
        }),
      );
    }
    if (answer === undefined || typeof answer === 'string')
      return send(404, headers, apiError(404, 'not found'));
    return send(200, headers, JSON.stringify(answer).replaceAll(ARCHIVIST_ORIGIN, origin));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    get options() {
      return opts;
    },
    set options(value) {
      opts = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
