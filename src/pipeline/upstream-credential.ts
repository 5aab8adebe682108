import { signSigV4 } from '../auth/sigv4.js';
import type { ResolvedConfig } from '../config/schema.js';
import { decodeAwsCredentials, encodeAwsCredentials } from '../providers/bedrock/credential.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { ProviderName } from '../types.js';

export interface UpstreamRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | string | null;
}

/**
 * The headers that carry the chosen key upstream: the adapter's credential header, or, for AWS
 * credentials (Bedrock's `providers.bedrock.credentials`), the request's SigV4 signature made with
 * them, for the region configured. Call it last: the signature covers the body and `content-type`.
 */
export async function upstreamCredential(adapter: ProviderAdapter, key: string, request: UpstreamRequest, config: ResolvedConfig): Promise<Record<string, string>> {
  const aws = adapter.name === 'bedrock' ? decodeAwsCredentials(key) : undefined;
  if (aws) return signSigV4(request, aws, config.providers.bedrock?.region ?? 'us-east-1', 'bedrock');
  const [name, value] = adapter.credentialHeader(key);
  return { [name]: value };
}

/** The key the configuration holds for a provider and profile; for Bedrock, its AWS credentials in the pipeline's key form. */
export function configuredKey(config: ResolvedConfig, provider: ProviderName, profileId: string): string | undefined {
  const key = config.profiles[profileId]?.providers?.[provider]?.apiKey ?? config.providers[provider]?.apiKey;
  if (key !== undefined || provider !== 'bedrock') return key;
  const credentials = config.providers.bedrock?.credentials;
  return credentials ? encodeAwsCredentials(credentials) : undefined;
}

/** The parts of a key that must never reach a sink on their own: an AWS secret key and session token. */
export function keyParts(key: string | undefined): string[] {
  const aws = key === undefined ? undefined : decodeAwsCredentials(key);
  return aws ? [aws.secretAccessKey, ...(aws.sessionToken ? [aws.sessionToken] : [])] : [];
}
