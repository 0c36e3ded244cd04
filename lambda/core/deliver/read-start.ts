// Reading at most the start of an HTTP response body: what a destination or token endpoint says
// is bounded, so one that streams gigabytes cannot fill the bridge's memory.

/** The start of a body (at most `maxBytes`), then the stream is cancelled, which closes the
 *  connection rather than reading on. A body that fails midway gives what had arrived. */
export async function readStart(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A reset or the attempt's timeout during the body: the status is what counts.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}
