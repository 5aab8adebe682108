import { z } from 'zod';
import { proxyConfigSchema } from './schema.js';

const PORT = 'expected a port number from 0 to 65535 (0 picks a free port)';
const HOST = 'expected an IP address or a host name, such as 127.0.0.1, ::1, 0.0.0.0 or localhost';

/** A TCP port as the bundled server listens on it. */
export const portSchema = z.number({ error: PORT }).int(PORT).min(0, PORT).max(65_535, PORT);

/**
 * An interface to listen on. Checked here because Node reads an empty or odd host in its own way
 * (`''` binds every interface, a non-numeric port string becomes a UNIX socket path).
 */
export const hostSchema = z.string({ error: HOST }).refine(isHost, HOST);

/**
 * The bearer token `GET /metrics` requires. Printable ASCII without spaces, so that any client can
 * send it in an `Authorization` header, and long enough not to be guessed.
 */
export const metricsTokenSchema = z
  .string({ error: 'expected a string' })
  .regex(/^[\x21-\x7e]{16,}$/, 'expected at least 16 printable ASCII characters without spaces (make one with: openssl rand -hex 32)');

const metricsEndpointSchema = z.strictObject({
  /**
   * Bearer token `GET /metrics` requires (`Authorization: Bearer <token>`, compared in constant
   * time; 401 without it). Also `ARCHESTRA_METRICS_TOKEN`. @default none: /metrics is open
   */
  token: metricsTokenSchema.optional(),
  /** Serve `/metrics` on this port instead of the main one. @default the main port */
  port: portSchema.optional(),
  /** Interface of the metrics port. @default server.host */
  host: hostSchema.optional(),
});

/** How the bundled server (`archestra-proxy serve`) listens: the config file's `server` block. */
export const serverSchema = z
  .strictObject({
    /** Interface to listen on; `0.0.0.0` or `::` accepts connections from other machines. @default '127.0.0.1' */
    host: hostSchema.default('127.0.0.1'),
    /** @default 9000 */
    port: portSchema.default(9000),
    /** Where `GET /metrics` is served, and what it asks for. */
    metrics: metricsEndpointSchema.prefault({}),
    /** Longest a client may take to send a request's headers (slowloris); then 408. @default 10000 @unit ms */
    headersTimeoutMs: z.number().int().positive().default(10_000),
    /** Longest a client may take to send a whole request, body included; then 408. @default 30000 @unit ms */
    requestTimeoutMs: z.number().int().positive().default(30_000),
    /** How long an idle keep-alive connection is kept open. @default 5000 @unit ms */
    keepAliveTimeoutMs: z.number().int().positive().default(5_000),
    /**
     * Most open connections; a request on one beyond it is answered at once with 503 and
     * `Retry-After`, and from twice this many, new connections are closed unread. @default 4096
     */
    maxConnections: z.number().int().positive().default(4096),
    /** On SIGTERM or SIGINT, how long requests in flight may take to finish before they are ended. @default 10000 @unit ms */
    drainTimeoutMs: z.number().int().min(0).default(10_000),
  })
  .superRefine((server, context) => {
    if (server.headersTimeoutMs > server.requestTimeoutMs) {
      context.addIssue({ code: 'custom', path: ['headersTimeoutMs'], message: `expected at most server.requestTimeoutMs (${server.requestTimeoutMs})` });
    }
    const { metrics } = server;
    if (metrics.host !== undefined && metrics.port === undefined) {
      context.addIssue({ code: 'custom', path: ['metrics', 'host'], message: 'applies only with server.metrics.port (/metrics is otherwise on the main port)' });
    }
    const sameHost = (metrics.host ?? server.host) === server.host;
    if (metrics.port !== undefined && metrics.port !== 0 && metrics.port === server.port && sameHost) {
      context.addIssue({ code: 'custom', path: ['metrics', 'port'], message: 'is the main port; leave it out to serve /metrics there' });
    }
  });

/** A JSON config file: everything `createProxy()` takes (the same schema), plus the `server` block. */
export const configFileSchema = proxyConfigSchema.extend({ server: serverSchema.prefault({}) });

/** The bundled server's settings, defaults filled in. */
export type ServerSettings = z.output<typeof serverSchema>;
export type MetricsEndpointSettings = ServerSettings['metrics'];

function isHost(value: string): boolean {
  if (z.ipv4().safeParse(value).success) return true;
  // An IPv6 address may carry a zone (`fe80::1%eth0`), which Node's listen() accepts.
  const [address = '', zone] = value.split('%', 2);
  if (z.ipv6().safeParse(address).success) return zone === undefined || /^[\w.-]+$/.test(zone);
  // Host names as resolvers take them; `_` included, as container service names use it.
  return value.length <= 253 && /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$/.test(value);
}
