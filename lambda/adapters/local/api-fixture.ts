// `render --api-fixture FILE`: recorded HCP Terraform API answers, served to the enrichment by a
// fetch that reads them instead of the network, so templates can be tried without a token. The
// file is one JSON object: URL path → answer (an object is a JSON:API document; a string is a log).
// Hosts are ignored, so a recorded `log-read-url` on archivist.terraform.io finds its path here.
import { readFileSync } from 'node:fs';
import type { Fetch } from '../../core/ports';
import { describeFileError } from './file-error';

export type ApiFixture = Record<string, unknown>;

export class ApiFixtureError extends Error {
  override name = 'ApiFixtureError';
}

export function readApiFixture(path: string): ApiFixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApiFixtureError(`cannot read ${path}: ${describeFileError(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiFixtureError(`${path} is not JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiFixtureError(`${path} must be an object of "/api/v2/..." paths to answers`);
  }
  const bad = Object.keys(parsed).find((key) => !key.startsWith('/'));
  if (bad !== undefined) throw new ApiFixtureError(`${path}: "${bad}" is not a URL path (starts with /)`);
  return parsed as ApiFixture;
}

/** A fetch answering from the fixture by path (query ignored); 404 for anything it lacks. */
export function fixtureFetch(fixture: ApiFixture): Fetch {
  return async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const answer = Object.hasOwn(fixture, url.pathname) ? fixture[url.pathname] : undefined;
    if (answer === undefined) {
      const body = JSON.stringify({ errors: [{ status: '404', title: 'not found' }] });
      return new Response(body, { status: 404, headers: { 'content-type': 'application/vnd.api+json' } });
    }
    if (typeof answer === 'string')
      return new Response(answer, { headers: { 'content-type': 'text/plain' } });
    return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/vnd.api+json' } });
  };
}
