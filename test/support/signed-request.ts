// Builds requests signed the way HCP Terraform / HCP sign them, so each test can break one thing.
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';

export interface SignedRequestOptions {
  body: string;
  secret?: string | undefined;
  header?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
}

export function signedRequest({
  body,
  secret,
  header = TFE_SIGNATURE_HEADER,
  contentType = 'application/json',
  headers = {},
}: SignedRequestOptions): RequestInit {
  return {
    method: 'POST',
    body,
    headers: {
      ...(contentType === null ? {} : { 'content-type': contentType }),
      ...(secret === undefined ? {} : { [header]: signBody(body, secret) }),
      ...headers,
    },
  };
}
