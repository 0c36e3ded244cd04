// What makes a destination URL unusable, checked the same way for a URL in the config, one read
// from a secret at delivery, and one the secrets check reads ahead of time.

/** Why `value` cannot be a destination URL, or null. Never quotes the URL: it may be a secret,
 *  and credentials in it would be printed. */
export function urlProblem(value: string, allowInsecureHttp: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.protocol !== 'https:' && !(allowInsecureHttp && parsed.protocol === 'http:')) {
    return 'must be https (or set allowInsecureHttp: true on the route)';
  }
  // fetch refuses such a URL with an error that quotes it, password included, and the password
  // would be printed wherever the URL is.
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not contain credentials (user:password@): use auth: { type: basic } with a secret';
  }
  return null;
}
