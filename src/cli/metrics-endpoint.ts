import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { hashKey, keyMatchesDigest } from '../auth/timing-safe-equal.js';

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Answers `GET /metrics` with the registry's Prometheus text. With a token, only a request
 * carrying `Authorization: Bearer <token>` is served (compared in constant time); others get 401.
 */
export function metricsHandler(registry: Registry, token?: string): MetricsHandler {
  const digest = token === undefined ? undefined : hashKey(token);
  return (req, res) => {
    if (digest !== undefined && !keyMatchesDigest(bearerToken(req.headers.authorization), digest)) {
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' })
        .end('{"error":"/metrics needs Authorization: Bearer <the metrics token>"}');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  };
}

function bearerToken(header: string | undefined): string {
  return /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? '';
}

export interface MetricsListener {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  url: string;
  close(): Promise<void>;
}

/** `/metrics` on a port of its own (and nothing else there: other paths get 404). */
export async function listenForMetrics(handler: MetricsHandler, host: string, port: number): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/metrics') handler(req, res);
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: this port serves GET /metrics only"}');
  });
  // A scrape is one small GET: nobody needs long to send it.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    url: `${baseUrl(server.address() as AddressInfo)}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `http://host:port` of a listening server, IPv6 addresses in brackets. */
function baseUrl(address: AddressInfo): string {
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}
