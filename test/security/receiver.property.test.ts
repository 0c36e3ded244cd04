// Property tests on the receiver: whatever arrives, it never crashes (no 5xx) and never queues
// a delivery without a valid signature.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../lambda/app';
import { parseConfig } from '../../lambda/core/config/parse';
import type { DeliveryJob } from '../../lambda/core/contract';
import { SignatureError } from '../../lambda/core/errors';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import {
  HCP_SIGNATURE_HEADER,
  signBody,
  TFE_SIGNATURE_HEADER,
  verifySignature,
} from '../../lambda/core/receive/signature';
import { CaptureLogger } from '../support/capture-logger';
import { MemorySecretStore } from '../support/memory-secret-store';

const SECRET = 'property-test-signing-token';

function setup() {
  const jobs: DeliveryJob[] = [];
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        destinations: [{ id: 'a', url: 'https://a.example' }],
      },
    ],
  });
  const app = createApp({
    config,
    secrets: new MemorySecretStore({ hmac: SECRET }),
    queue: { enqueue: async (batch) => void jobs.push(...batch) },
    logger: new CaptureLogger(),
  });
  return { app, jobs };
}

const headerName = fc.constantFrom(
  TFE_SIGNATURE_HEADER,
  HCP_SIGNATURE_HEADER,
  'X-Tfe-Notification-Signature',
  'x-other',
);
const signatureValue = fc.oneof(
  fc.string(),
  fc.stringMatching(/^[0-9a-f]{128}$/),
  fc.stringMatching(/^[0-9a-fA-F]{0,300}$/),
  fc.constant(''),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/vnd.api+json',
  '',
);
const body = fc.oneof(
  fc.json(),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 2048 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe('receiver properties', () => {
  it('answers every unsigned or wrongly signed request with a 4xx and queues nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        headerName,
        signatureValue,
        contentType,
        async (payload, name, signature, type) => {
          const { app, jobs } = setup();
          const headers = new Headers();
          if (type) headers.set('content-type', type);
          headers.set(name, signature);
          const res = await app.request('/hooks/runs', { method: 'POST', body: payload, headers });
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(jobs).toHaveLength(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers every correctly signed request with 2xx or a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, async (payload, type) => {
        const { app, jobs } = setup();
        const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
        const headers: Record<string, string> = { [TFE_SIGNATURE_HEADER]: signBody(bytes, SECRET) };
        if (type) headers['content-type'] = type;
        const res = await app.request('/hooks/runs', { method: 'POST', body: bytes, headers });
        expect([200, 202, 400, 415]).toContain(res.status);
        if (res.status !== 202) expect(jobs).toHaveLength(0);
      }),
      { numRuns: 300 },
    );
  });

  it('signs and verifies any bytes, and rejects any other signature with a SignatureError only', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.string(),
        // Blank keys never verify (anyone can sign with them): see signature.test.ts.
        fc.string({ minLength: 1 }).filter((secret) => secret.trim() !== ''),
        (bytes, other, secret) => {
          expect(verifySignature(bytes, signBody(bytes, secret), [secret])).toBe(0);
          // Length mismatches and junk go through the same path without throwing anything else.
          expect(() => verifySignature(bytes, other, [secret])).toThrow(SignatureError);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('classifies any JSON object without throwing', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (payload) => {
        expect(classifyPayload(payload as Record<string, unknown>).kind).toBeTypeOf('string');
      }),
      { numRuns: 1000 },
    );
  });
});
