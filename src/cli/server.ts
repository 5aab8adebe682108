import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsEndpointSettings } from '../config/server-schema.js';
import { ConfigError } from '../errors.js';
import { type Proxy, REFUSE } from '../proxy.js';
import { RETRY_AFTER_SECONDS } from '../pipeline/admission.js';
import { nodeProxy, stripPrefix, writeResponse } from '../ways-in/node.js';
import { capConnections } from './connection-cap.js';
import { type MetricsListener, listenForMetrics, metricsHandler } from './metrics-endpoint.js';

/** Where the bundled server mounts the proxy: `http://host:port/v1/<provider>[/<proxyId>]`. */
export const MOUNT = '/v1';

/** How long a client may hold the bundled server's resources (config file: `server.<name>`). */
export interface ServerLimits {
  /** Longest a client may take to send a request's headers (slowloris); then 408. @default 10000 @unit ms */
  headersTimeoutMs: number;
  /** Longest a client may take to send a whole request, body included; then 408. @default 30000 @unit ms */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. @default 5000 @unit ms */
  keepAliveTimeoutMs: number;
  /**
   * Most open connections; a request on one beyond it is answered at once with 503 and
   * `Retry-After`, and from twice this many, new connections are closed unread. @default 4096
   */
  maxConnections: number;
  /** On SIGTERM or SIGINT, how long requests in flight may take to finish before they are ended. @default 10000 @unit ms */
  drainTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4096,
  drainTimeoutMs: 10_000,
};

export interface StartServerOptions extends Partial<ServerLimits> {
  /** A token `/metrics` requires; a port (and host) of its own. By default: open, on the main port. */
  metrics?: Partial<MetricsEndpointSettings>;
}

export interface RunningServer {
  server: Server;
  /** e.g. `http://127.0.0.1:9000` */
  url: string;
  /** Where `GET /metrics` is served: `${url}/metrics`, or on its own port. */
  metricsUrl: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `drainMs`, by default
   * `drainTimeoutMs`), ends the rest with an error in their dialect, then closes the proxy.
   */
  close(drainMs?: number): Promise<void>;
}

/** After the proxy has closed, how long clients may take to read their last bytes before their connections are cut. */
const LAST_BYTES_MS = 1_000;

/** The bundled server: plain `node:http`, the proxy under `/v1`, plus `/healthz`, `/metrics`, `/admin/` and `/admin/api/`. */
export async function startServer(proxy: Proxy, host: string, port: number, options: StartServerOptions = {}): Promise<RunningServer> {
  const limits = serverLimits(options);
  const proxyHandler = nodeProxy(proxy, { prefix: MOUNT });
  // The admin API and page at the root, beside /healthz and /metrics; off without an admin token.
  const adminHandler = nodeProxy(proxy);
  const metrics = options.metrics ?? {};
  const serveMetrics = metricsHandler(proxy.registry, metrics.token);
  let draining = false;
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node looks for requests past those timeouts (its default, 30 s, would add up to that).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      // Draining, a connection is closed as soon as it is idle, and no new request keeps it open.
      res.once('close', () => draining && server.closeIdleConnections());
      if (draining || cap.isOver(req.socket)) res.setHeader('connection', 'close');
      const path = (req.url ?? '/').split('?')[0];
      if (cap.isOver(req.socket)) {
        const message = `The server is at its limit of ${limits.maxConnections} connections; retry shortly.`;
        const under = stripPrefix(req.url ?? '/', MOUNT);
        void writeResponse(under === null ? plainOverloaded(message) : proxy[REFUSE](req.method ?? 'GET', under, message), res);
        return;
      }
      if (req.method === 'GET' && path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      // On its own port, /metrics is not served here (the proxy answers 404).
      if (req.method === 'GET' && path === '/metrics' && metrics.port === undefined) {
        serveMetrics(req, res);
        return;
      }
      if (path === '/admin' || path?.startsWith('/admin/')) {
        adminHandler(req, res);
        return;
      }
      proxyHandler(req, res);
    },
  );
  const cap = capConnections(server, limits.maxConnections);
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
    async close(drainMs = limits.drainTimeoutMs) {
      draining = true;
      // No new connections; idle ones are closed now, busy ones once their answer is out.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // New requests meanwhile get a 503; what is still in flight after `drainMs` is ended with an
      // error in its dialect; then every row is written.
      await proxy.close({ drainMs });
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), LAST_BYTES_MS);
      await closed;
      clearTimeout(cut);
      await metricsListener?.close();
    },
  };
}

/** A 503 for a path outside the proxy's mount (`/healthz`, `/metrics`), which has no provider shape. */
function plainOverloaded(message: string): Response {
  return Response.json({ error: { message, type: 'overloaded_error' } }, { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } });
}

/** The server's limits, defaults filled in; a bad value is a ConfigError naming its field. */
export function serverLimits(options: StartServerOptions): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS };
  const problems: string[] = [];
  for (const name of Object.keys(DEFAULT_SERVER_LIMITS) as (keyof ServerLimits)[]) {
    const value = options[name];
    if (value === undefined) continue;
    const least = name === 'drainTimeoutMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
      problems.push(`  - server.${name}: expected ${least === 0 ? 'a whole number, 0 or more' : 'a whole number, 1 or more'}; got ${JSON.stringify(value)}`);
    } else limits[name] = value;
  }
  if (problems.length === 0 && limits.headersTimeoutMs > limits.requestTimeoutMs) {
    problems.push(`  - server.headersTimeoutMs: expected at most server.requestTimeoutMs (${limits.requestTimeoutMs}); got ${limits.headersTimeoutMs}`);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return limits;
}
