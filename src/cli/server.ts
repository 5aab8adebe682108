import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsEndpointSettings } from '../config/server-schema.js';
import type { Proxy } from '../proxy.js';
import { nodeProxy } from '../ways-in/node.js';
import { type MetricsListener, listenForMetrics, metricsHandler } from './metrics-endpoint.js';

/** Where the bundled server mounts the proxy: `http://host:port/v1/<provider>[/<proxyId>]`. */
export const MOUNT = '/v1';

export interface RunningServer {
  server: Server;
  /** e.g. `http://127.0.0.1:9000` */
  url: string;
  /** Where `GET /metrics` is served: `${url}/metrics`, or on its own port. */
  metricsUrl: string;
  /** Stops accepting connections, lets in-flight requests finish (up to `drainMs`), then closes the proxy. */
  close(drainMs?: number): Promise<void>;
}

export interface StartServerOptions {
  /** A token `/metrics` requires; a port (and host) of its own. By default: open, on the main port. */
  metrics?: Partial<MetricsEndpointSettings>;
}

/** The bundled server: plain `node:http`, the proxy under `/v1`, plus `/healthz` and `/metrics`. */
export async function startServer(proxy: Proxy, host: string, port: number, options: StartServerOptions = {}): Promise<RunningServer> {
  const proxyHandler = nodeProxy(proxy, { prefix: MOUNT });
  const metrics = options.metrics ?? {};
  const serveMetrics = metricsHandler(proxy.registry, metrics.token);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    // On its own port, /metrics is not served here (the proxy answers 404).
    if (req.method === 'GET' && path === '/metrics' && metrics.port === undefined) {
      serveMetrics(req, res);
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
  const url = `http://${displayHost}:${address.port}`;
  let metricsListener: MetricsListener | undefined;
  if (metrics.port !== undefined) {
    // If the metrics port cannot be had, nothing stays listening.
    metricsListener = await listenForMetrics(serveMetrics, metrics.host ?? host, metrics.port).catch(async (error: unknown) => {
      await new Promise((resolve) => server.close(resolve));
      throw error;
    });
  }
  return {
    server,
    url,
    metricsUrl: metricsListener?.url ?? `${url}/metrics`,
    async close(drainMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), drainMs);
      await closed;
      clearTimeout(timer);
      await metricsListener?.close();
      await proxy.close();
    },
  };
}
