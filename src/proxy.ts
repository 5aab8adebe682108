import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { DEFAULT_BASE_URLS, type ProxyConfig } from './config/schema.js';
import { createJwtVerifier } from './auth/jwks.js';
import { createSecretBox } from './auth/secret-box.js';
import { type VirtualKeys, createVirtualKeys } from './auth/virtual-key.js';
import { ADMIN_PREFIX, createAdminApi } from './admin/admin-api.js';
import { validateConfig } from './config/validate-config.js';
import { ArchestraError } from './errors.js';
import { type DispatchDeps, dispatch } from './pipeline/dispatch.js';
import { type SanitizeCache, createSanitizeCache } from './policy/dual-llm/cache.js';
import { type ScopeBook, createScopeBook } from './pipeline/tool-scope-stage.js';
import { createUpstreamClient } from './pipeline/forward.js';
import { createInFlight, refuseForLackOfRoom } from './pipeline/admission.js';
import { createAnswerMemory } from './pipeline/answer-memory.js';
import { AUDIT_UNAVAILABLE, createAuditAlerts } from './pipeline/audit-alerts.js';
import { createApprovalBook } from './pipeline/approval-book.js';
import { createProfileBook } from './pipeline/profile-book.js';
import { createTaintTracker } from './pipeline/taint-tracker.js';
import { createRateLimiter } from './pipeline/rate-limit-stage.js';
import { createBudgeter } from './pipeline/budget-stage.js';
import { AUDIT_FAILED, Recorder } from './pipeline/record.js';
import { DEFAULT_PROFILE_ID, routeNative, routePath } from './pipeline/route.js';
import { createPriceBook } from './pricing/price-book.js';
import { providerAdapters } from './providers/registry.js';
import type { ProviderAdapter } from './providers/types.js';
import { createAuditLog } from './store/audit-log.js';
import { openStore } from './store/open-store.js';
import { createProxyMetrics } from './telemetry/metrics.js';
import { PROVIDER_NAMES, type ProviderName, type Store } from './types.js';

/** Where a request that was addressed to the provider itself (in-process) should go. */
export interface InProcessTarget {
  /** The profile to serve it with. @default 'default' */
  proxyId?: string;
}

export interface Proxy {
  /**
   * Serves one request addressed as `/<provider>[/<proxyId>]/<native path>` (relative to where
   * the proxy is mounted) and answers in that provider's wire format. Never throws, except after
   * `close()`.
   */
  handle(request: Request): Promise<Response>;
  /** Writes the queued audit rows to the store. */
  flush(): Promise<void>;
  /**
   * Lets the requests in flight finish for up to `drainMs` (new ones are answered 503 meanwhile),
   * ends the rest (a stream with an error event in its dialect, a request still waiting for its
   * upstream with a 503), writes every audit row, and closes the upstream connections and the store.
   */
  close(options?: CloseOptions): Promise<void>;
  readonly store: Store;
  /** Issue, list and revoke virtual keys. */
  readonly keys: VirtualKeys;
  /** The prom-client registry holding the proxy's metrics. */
  readonly registry: Registry;
  /** The profiles the proxy serves: `default` plus every named one. */
  readonly profileIds: readonly string[];
  /** @internal Used by `createProxyFetch`: serves a request addressed to the upstream URL. */
  readonly [IN_PROCESS]: (request: Request, target: InProcessTarget) => Promise<Response>;
  /** @internal Used by the Node bridge: the most request body bytes worth reading before the proxy answers 413. */
  readonly [BODY_LIMIT]: number;
  /** @internal Used by the bundled server: refuses a request it has no room for (503, `Retry-After`), with its row. */
  readonly [REFUSE]: (method: string, path: string, message: string) => Response;
}

/** What a test may give `createProxy` besides the configuration. */
export interface ProxyOptions {
  /** The clock of the rate-limit and budget windows, in ms since the epoch (tests move it instead of sleeping). @default Date.now */
  now?: () => number;
}

export interface CloseOptions {
  /** How long requests in flight may take to finish before they are ended. @default 0 @unit ms */
  drainMs?: number;
}

export const IN_PROCESS = Symbol.for('archestra.proxy.in-process');
export const BODY_LIMIT = Symbol.for('archestra.proxy.body-limit');
export const REFUSE = Symbol.for('archestra.proxy.refuse');

/** Once the drain time is over and the rest ended, how long they may take to tell their clients. */
const ENDED_GRACE_MS = 1_000;
const SHUTTING_DOWN = 'The proxy is shutting down.';

interface BaseUrlMatch {
  adapter: ProviderAdapter;
  origin: string;
  pathPrefix: string;
}

/**
 * Builds a proxy from a configuration (validated here; a bad field throws `ConfigError`).
 *
 * @example
 * const proxy = createProxy({ providers: { openai: { apiKey: process.env.OPENAI_API_KEY } } });
 * const response = await proxy.handle(new Request('http://proxy/openai/models'));
 */
export function createProxy(input: ProxyConfig = {}, options: ProxyOptions = {}): Proxy {
  const config = validateConfig(input);
  const baseUrls = Object.fromEntries(PROVIDER_NAMES.map((name) => [name, config.providers[name]?.baseUrl ?? DEFAULT_BASE_URLS[name]])) as Record<ProviderName, string>;
  const store = typeof config.store === 'string' ? openStore(config.store, config.audit) : config.store;
  const metrics = createProxyMetrics(config.metrics.registry, config.metrics.maxLabelValues);
  const alerts = createAuditAlerts(metrics, config.audit.onFailure);
  const auditLog = createAuditLog(store, config.audit.flushIntervalMs, alerts.onError, config.audit.durability, {
    maxQueuedRows: config.audit.maxQueuedRows,
    maxQueuedBytes: config.audit.maxQueuedBytes,
    onDropped: alerts.onDropped,
    onRecovered: alerts.onRecovered,
  });
  metrics.watchAuditQueue(() => auditLog.queuedRows);
  const upstream = createUpstreamClient(config.upstream);
  // The price table loads now, in the background: the first answer waits for it only if it comes first.
  const prices = createPriceBook(config.pricing);
  const recorderDeps = { metrics, auditLog, keepBodies: config.audit.bodies, maxBodyBytes: config.audit.maxBodyBytes, onAuditFailure: config.audit.onFailure, prices };
  const secretBox = createSecretBox(config.masterKey ?? process.env.ARCHESTRA_MASTER_KEY);
  const jwtVerifiers = new Map<string, ReturnType<typeof createJwtVerifier>>();
  if (config.auth.jwks) jwtVerifiers.set(DEFAULT_PROFILE_ID, createJwtVerifier(config.auth.jwks));
  for (const [id, profile] of Object.entries(config.profiles)) {
    const jwks = (profile.auth ?? config.auth).jwks;
    if (jwks) jwtVerifiers.set(id, createJwtVerifier(jwks));
  }
  const sanitizeCaches = new Map<string, SanitizeCache>();
  const scopeBooks = new Map<string, ScopeBook>();
  const approvals = createApprovalBook(store, (event, count) => metrics.countApprovals(event, count));
  // Profiles created at run time (the admin API) are served beside the configured ones.
  const profiles = createProfileBook(config, store.profiles, config.admin.profileRefreshMs, {
    changed(id, profile) {
      jwtVerifiers.delete(id);
      sanitizeCaches.delete(id);
      scopeBooks.delete(id);
      const jwks = profile && (profile.auth ?? config.auth).jwks;
      if (jwks) jwtVerifiers.set(id, createJwtVerifier(jwks));
    },
  });
  const profileIds = profiles.ids;
  void profiles.refresh();
  const rateLimiter = createRateLimiter(store, options.now);
  const budgeter = createBudgeter(store, options.now, prices);
  const deps: DispatchDeps = {
    config,
    upstream,
    baseUrls,
    store,
    secretBox,
    jwtVerifiers,
    taint: createTaintTracker(store),
    answers: createAnswerMemory(store),
    approvals,
    rateLimiter,
    prices,
    budgeter,
    self(request, search, route, note) {
      const recorder = new Recorder(recorderDeps, performance.now());
      recorder.decisions.push(note);
      // The proxy's own call need not wait for its row: the client's answer, written after it, does.
      return run(request, search, route, recorder, false);
    },
    scopeBook(profileId) {
      let book = scopeBooks.get(profileId);
      if (!book) {
        book = createScopeBook((config.profiles[profileId]?.policies ?? config.policies).toolScope.maxSessions);
        scopeBooks.set(profileId, book);
      }
      return book;
    },
    sanitizeCache(profileId) {
      let cache = sanitizeCaches.get(profileId);
      if (!cache) {
        const policy = config.profiles[profileId]?.policies ?? config.policies;
        cache = createSanitizeCache(policy.dualLlm.cacheSize);
        sanitizeCaches.set(profileId, cache);
      }
      return cache;
    },
  };
  const keys = createVirtualKeys(store, secretBox);
  const admin = createAdminApi({ config, store, approvals, keys, profiles, jwt: jwtVerifiers.get(DEFAULT_PROFILE_ID) });
  const baseUrlMatches = upstreamBaseUrls(baseUrls);
  const inFlight = createInFlight(config.limits.maxInFlight);
  let closing: Promise<void> | null = null;
  let closed = false;

  /** A client's request: served if there is room for it, else refused at once. */
  function admit(request: Request, search: string, route: Parameters<typeof dispatch>[2], recorder: Recorder): Promise<Response> {
    if (closing && !closed) return Promise.resolve(refuseForLackOfRoom(route, recorder, SHUTTING_DOWN));
    // Fail closed: no request is served while its row could not be written.
    if (config.audit.onFailure === 'refuse' && !auditLog.writable) return Promise.resolve(refuseForLackOfRoom(route, recorder, AUDIT_UNAVAILABLE));
    if (!closed && !inFlight.enter(recorder)) {
      return Promise.resolve(refuseForLackOfRoom(route, recorder, `The proxy is serving its limit of ${config.limits.maxInFlight} requests at once; retry shortly.`));
    }
    return run(request, search, route, recorder);
  }

  async function run(request: Request, search: string, route: Parameters<typeof dispatch>[2], recorder: Recorder, waitForRow = true): Promise<Response> {
    if (closed) throw new ArchestraError('ARCHESTRA_CLOSED', 'This proxy has been closed.');
    let response: Response;
    try {
      response = await dispatch(request, search, route, recorder, deps);
    } catch (error) {
      // A bug must not become a hang or a stack trace on the wire; it is still recorded.
      console.error('[archestra] internal error:', error instanceof Error ? error.message : error);
      const adapter = route.kind === 'unknown-provider' ? providerAdapters.openai! : route.adapter;
      response = adapter.errorResponse(500, 'The proxy failed to handle this request.', 'proxy_error');
      recorder.finish({ status: 500, outcome: 'upstream_error', error: 'internal proxy error' }, performance.now());
    }
    // A finished request's answer goes out once its row is committed (`audit.durability`); a
    // stream's last event waits for it in the stream. No row, no answer: a 503 instead.
    const committed = waitForRow ? recorder.committed : undefined;
    if (committed && !(await committed)) {
      await response.body?.cancel();
      const adapter = route.kind === 'unknown-provider' ? providerAdapters.openai! : route.adapter;
      return adapter.errorResponse(503, AUDIT_FAILED, 'api_error', { 'retry-after': '1' });
    }
    return response;
  }

  return {
    store,
    keys,
    registry: metrics.registry,
    get profileIds() {
      return [DEFAULT_PROFILE_ID, ...profileIds];
    },
    handle(request) {
      const url = new URL(request.url);
      // The admin API comes before the provider routes; without an admin token it does not exist.
      if (admin && url.pathname.startsWith(ADMIN_PREFIX)) {
        if (closed) return Promise.reject(new ArchestraError('ARCHESTRA_CLOSED', 'This proxy has been closed.'));
        return admin.handle(request, url.pathname).catch((error: unknown) => {
          console.error('[archestra] admin API error:', error instanceof Error ? error.message : error);
          return Response.json({ error: { message: 'The admin API failed to handle this request.', status: 500 } }, { status: 500 });
        });
      }
      const recorder = new Recorder(recorderDeps, performance.now());
      const serve = () => admit(request, url.search, routePath(request.method, url.pathname, profileIds), recorder);
      // Stored profiles are reloaded at most every `admin.profileRefreshMs`; most requests wait for nothing.
      const loading = closing ? null : profiles.refreshIfStale();
      return loading ? loading.then(serve) : serve();
    },
    async [IN_PROCESS](request, target) {
      if (!closing) await profiles.refreshIfStale();
      const recorder = new Recorder(recorderDeps, performance.now());
      const url = new URL(request.url);
      const profileId = target.proxyId ?? DEFAULT_PROFILE_ID;
      const found = matchBaseUrl(baseUrlMatches, url);
      if (!found) {
        const message = `The proxy cannot tell which provider ${url.origin} is. Set providers.<name>.baseUrl to it.`;
        return admit(request, '', { kind: 'unknown-provider', message }, recorder);
      }
      if (profileId !== DEFAULT_PROFILE_ID && !profileIds.has(profileId)) {
        return admit(request, '', { kind: 'unknown-path', adapter: found.adapter, profileId, message: `Unknown proxy profile "${profileId}".` }, recorder);
      }
      const rest = url.pathname.slice(found.pathPrefix.length);
      const segments = rest.split('/').slice(1);
      return admit(request, url.search, routeNative(found.adapter, request.method, segments, profileId), recorder);
    },
    [BODY_LIMIT]: config.limits.maxRequestBodyBytes,
    [REFUSE](method, path, message) {
      return refuseForLackOfRoom(routePath(method, path.split('?')[0]!, profileIds), new Recorder(recorderDeps, performance.now()), message);
    },
    flush: () => auditLog.flush(),
    close({ drainMs = 0 } = {}) {
      closing ??= (async () => {
        if (!(await inFlight.settled(drainMs))) {
          upstream.abort(SHUTTING_DOWN);
          // A stream nobody reads any more never learns it was ended: its row is written here.
          if (!(await inFlight.settled(ENDED_GRACE_MS))) inFlight.finishAll({ status: 503, outcome: 'upstream_error', error: SHUTTING_DOWN });
        }
        closed = true;
        rateLimiter.close();
        budgeter.close();
        await upstream.close();
        await auditLog.flush();
        await approvals.settled();
        await store.close();
      })();
      return closing;
    },
  };
}

/** Each provider is recognised by its configured base URL and by its public default. */
function upstreamBaseUrls(baseUrls: Record<ProviderName, string>): BaseUrlMatch[] {
  const matches: BaseUrlMatch[] = [];
  for (const name of PROVIDER_NAMES) {
    const adapter = providerAdapters[name];
    if (!adapter) continue;
    const candidates = new Set([baseUrls[name], DEFAULT_BASE_URLS[name]]);
    for (const candidate of candidates) {
      const url = new URL(candidate);
      matches.push({ adapter, origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') });
    }
  }
  // Longest prefix first, so a more specific base URL wins.
  return matches.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
}

function matchBaseUrl(matches: readonly BaseUrlMatch[], url: URL): BaseUrlMatch | undefined {
  return matches.find((match) => url.origin === match.origin && (url.pathname === match.pathPrefix || url.pathname.startsWith(`${match.pathPrefix}/`)));
}
