import { isVirtualKey } from '../../auth/virtual-key.js';

/** `Authorization: AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/<service>/aws4_request, ...` */
const SIGV4 = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\//i;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The client's credential: a bearer token (a Bedrock API key, or a virtual key the SDK sends as its
 * `token`), or a virtual key used as the access key id of the credentials the SDK signs with. The
 * client's own SigV4 signature is never forwarded: it signs the proxy's host and path, not the
 * upstream's, and the proxy may change the body. A signature with a real AWS access key id is no
 * credential the proxy can use: the request goes on only with the proxy's own (configured) ones.
 */
export function readBedrockCredential(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization === null) return undefined;
  const bearer = BEARER.exec(authorization)?.[1];
  if (bearer) return bearer;
  const accessKeyId = SIGV4.exec(authorization)?.[1];
  return accessKeyId !== undefined && isVirtualKey(accessKeyId) ? accessKeyId : undefined;
}

/**
 * The proxy's own AWS credentials travel through the pipeline as one upstream "key" in this form,
 * so virtual keys, JWTs and configured credentials resolve the same way; the request is then signed
 * with them (src/auth/sigv4.ts) instead of carrying them. Never sent anywhere as it is.
 */
export const AWS_CREDENTIALS_PREFIX = 'aws-sigv4:';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function encodeAwsCredentials(credentials: AwsCredentials): string {
  return `${AWS_CREDENTIALS_PREFIX}${JSON.stringify([credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? null])}`;
}

/** The credentials an upstream key holds, or undefined for a bearer key. */
export function decodeAwsCredentials(key: string): AwsCredentials | undefined {
  if (!key.startsWith(AWS_CREDENTIALS_PREFIX)) return undefined;
  try {
    const [accessKeyId, secretAccessKey, sessionToken] = JSON.parse(key.slice(AWS_CREDENTIALS_PREFIX.length)) as [string, string, string | null];
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') return undefined;
    return typeof sessionToken === 'string' ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  } catch {
    return undefined;
  }
}
