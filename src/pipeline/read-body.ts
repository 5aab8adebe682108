/** The outcome of reading a request body under a size limit. */
export type BodyResult = { success: true; bytes: Uint8Array } | { success: false; status: 413 | 415 | 400; message: string };

/**
 * Bodies a Node server bridge already read from its socket, keyed by the body-less Request it built
 * for them. Given to a Request, the bytes would become a Web byte stream that is then read back
 * chunk by chunk: twice the work, on the path to the first token of every streamed answer.
 */
const attached = new WeakMap<Request, Uint8Array>();

/** Hands `bytes` over as the body of `request`, which was built without one. */
export function attachBody(request: Request, bytes: Uint8Array): void {
  attached.set(request, bytes);
}

/**
 * Reads the body, refusing it as soon as it passes `limit` bytes: a declared `Content-Length`
 * over the limit is refused before a byte is read, a chunked body as soon as it crosses it.
 */
export async function readBody(request: Request, limit: number): Promise<BodyResult> {
  const encoded = refuseEncoded(request.headers);
  if (encoded) return encoded;
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return tooLarge(limit);
  const handed = attached.get(request);
  if (handed !== undefined) return handed.byteLength > limit ? tooLarge(limit) : { success: true, bytes: handed };
  if (request.body === null) return { success: true, bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        return tooLarge(limit);
      }
      chunks.push(value);
    }
  } catch {
    return { success: false, status: 400, message: 'The request body could not be read.' };
  }
  if (chunks.length === 1 && chunks[0]) return { success: true, bytes: chunks[0] };
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { success: true, bytes };
}

/**
 * A compressed body is refused, never decoded: no official SDK compresses its requests, so
 * decoding would serve nobody and would let a few kilobytes (a gzip bomb) expand past the size
 * limit, which counts the bytes on the wire. Node hands over any transfer coding but `chunked`
 * undecoded, so those are refused too, before a byte is read.
 */
function refuseEncoded(headers: Headers): BodyResult | null {
  const contentEncoding = headers.get('content-encoding')?.trim().toLowerCase();
  if (contentEncoding && contentEncoding !== 'identity') {
    return { success: false, status: 415, message: `The proxy accepts only uncompressed request bodies; this one is sent with Content-Encoding: ${contentEncoding.slice(0, 40)}.` };
  }
  const transferEncoding = headers.get('transfer-encoding')?.trim().toLowerCase();
  if (transferEncoding && transferEncoding !== 'chunked') {
    return { success: false, status: 415, message: `The proxy accepts only the chunked transfer coding; this body is sent with Transfer-Encoding: ${transferEncoding.slice(0, 40)}.` };
  }
  return null;
}

function tooLarge(limit: number): BodyResult {
  return { success: false, status: 413, message: `The request body is larger than the proxy's limit of ${limit} bytes.` };
}
