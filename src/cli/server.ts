import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Proxy } from '../proxy.js';
import { nodeProxy } from '../ways-in/node.js';

/** Where the bundled server mounts the proxy: `http://host:port/v1/<provider>[/<proxyId>]`. */
export const MOUNT = '/v1';

export interface RunningServer {
  server: Server;
  /** e.g. `http://127.0.0.1:9000` */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish (up to `drainMs`), then closes the proxy. */
  close(drainMs?: number): Promise<void>;
}

/** The bundled server: plain `node:http`, the proxy under `/v1`, plus `/healthz` and `/metrics`. */
export async function startServer(proxy: Proxy, host: string, port: number): Promise<RunningServer> {
  const proxyHandler = nodeProxy(proxy, { prefix: MOUNT });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      proxy.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': proxy.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    proxyHandler(req, res);
  });
  // Slow clients may not hold a connection open by trickling headers (slowloris).
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const displayHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${displayHost}:${address.port}`,
    async close(drainMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), drainMs);
      await closed;
      clearTimeout(timer);
      await proxy.close();
    },
  };
}
