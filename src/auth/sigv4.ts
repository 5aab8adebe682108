import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '../providers/bedrock/credential.js';

export interface SignableRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | string | null;
}

/** SHA-256 for the signer, from Node's crypto. */
const Sha256 = Hash.bind(null, 'sha256');

/**
 * Signs an upstream request with AWS Signature Version 4 (the signer the AWS SDK uses). Only
 * `host`, `content-type` and the `x-amz-*` headers the signer adds are signed, so the other headers
 * the client sent (and undici's own) cannot break the signature on the way. Returns the headers
 * to add: `authorization`, `x-amz-date` and, with a session token, `x-amz-security-token`.
 */
export async function signSigV4(request: SignableRequest, credentials: AwsCredentials, region: string, service: string): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, uriEscapePath: true });
  const headers: Record<string, string> = { host: url.host };
  const contentType = request.headers['content-type'];
  if (contentType !== undefined) headers['content-type'] = contentType;
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: request.body ?? undefined,
  });
  const added: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') added[name.toLowerCase()] = value;
  return added;
}

