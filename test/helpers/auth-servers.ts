/**
 * Servers and tokens for the authentication tests: a JWKS endpoint that counts its fetches (per
 * path, each path with its own behaviour), a canary that counts every hit, a minimal Anthropic
 * upstream that records what it received, and an issuer that signs JWTs with jose.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, type JWTPayload, SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Listening {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/** A server on 127.0.0.1:0 that records every request, then lets `handle` answer it. */
export async function startRecordingServer(handle: (req: Recorded, res: ServerResponse) => void): Promise<Listening> {
  const requests: Recorded[] = [];
  const server = createServer(async (inc: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of inc) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(inc.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const recorded = { method: inc.method ?? 'GET', path: inc.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(recorded);
    handle(recorded, res);
  });
  return listen(server, requests);
}

async function listen(server: Server, requests: Recorded[]): Promise<Listening> {
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Anything that reaches it is a failure of the test subject. */
export function startCanary(): Promise<Listening> {
  return startRecordingServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
}

export type JwksBehaviour =
  | { kind: 'keys'; keys: JWK[] }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; location: string }
  | { kind: 'hang' }
  | { kind: 'body'; body: string };

export interface JwksServer extends Listening {
  /** Sets what `GET <url><path>` answers. */
  set(path: string, behaviour: JwksBehaviour): void;
  /** How many fetches `path` received. */
  hits(path: string): number;
}

/** A JWKS endpoint per path; unknown paths answer 404. Hanging requests stay open until close(). */
export async function startJwksServer(): Promise<JwksServer> {
  const behaviours = new Map<string, JwksBehaviour>();
  const listening = await startRecordingServer((req, res) => {
    const behaviour = behaviours.get(req.path);
    if (!behaviour) return void res.writeHead(404).end();
    switch (behaviour.kind) {
      case 'keys':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: behaviour.keys }));
      case 'status':
        return void res.writeHead(behaviour.status, { 'content-type': 'application/json' }).end('{"error":"boom"}');
      case 'redirect':
        return void res.writeHead(302, { location: behaviour.location }).end();
      case 'body':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(behaviour.body);
      case 'hang':
        return;
    }
  });
  return {
    ...listening,
    set: (path, behaviour) => void behaviours.set(path, behaviour),
    hits: (path) => listening.requests.filter((request) => request.path === path).length,
  };
}

/** A minimal Anthropic Messages upstream: `POST /v1/messages` answers one text message. */
export function startAnthropicUpstream(): Promise<Listening> {
  return startRecordingServer((req, res) => {
    if (req.method === 'POST' && req.path === '/v1/messages') {
      const model = (JSON.parse(req.body || '{}') as { model?: string }).model ?? 'claude-sonnet-4-5';
      const body = {
        id: 'msg_01AuthTest', type: 'message', role: 'assistant', model,
        content: [{ type: 'text', text: 'Hello from the Anthropic upstream.' }],
        stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 9, output_tokens: 6 },
      };
      return void res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_auth' }).end(JSON.stringify(body));
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }));
  });
}

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  /** The public key as a JWK, with kid, alg and use. */
  jwk: JWK;
  /** The public key as SPKI PEM. */
  pem: string;
}

export async function signingKey(kid: string, alg: 'RS256' | 'ES256' | 'PS256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk, pem: await exportSPKI(publicKey) };
}

export interface SignOptions {
  issuer?: string | null;
  audience?: string | string[] | null;
  subject?: string | null;
  /** Seconds since the epoch; null for no `exp`. @default now + 300 */
  exp?: number | null;
  nbf?: number;
  header?: Record<string, unknown>;
  claims?: JWTPayload;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signs a JWT with `key`; every claim can be changed or left out. */
export function sign(key: SigningKey, defaults: { issuer: string; audience: string }, options: SignOptions = {}): Promise<string> {
  const jwt = new SignJWT({ ...options.claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header });
  const issuer = options.issuer === undefined ? defaults.issuer : options.issuer;
  const audience = options.audience === undefined ? defaults.audience : options.audience;
  const subject = options.subject === undefined ? 'user-42' : options.subject;
  const exp = options.exp === undefined ? nowSeconds() + 300 : options.exp;
  if (issuer !== null) jwt.setIssuer(issuer);
  if (audience !== null) jwt.setAudience(audience);
  if (subject !== null) jwt.setSubject(subject);
  if (exp !== null) jwt.setExpirationTime(exp);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  jwt.setIssuedAt();
  return jwt.sign(key.privateKey);
}

/** Signs any header and payload with an RS256 key, bypassing jose's own checks (e.g. on `crit`). */
export async function signRs256Raw(key: SigningKey, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey as globalThis.CryptoKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

export const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A raw HTTP/1.1 request with a path sent exactly as given (no client-side normalisation). */
export function rawHttp(url: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(init.body)) }), ...init.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
