import { CREDENTIAL_QUERY_PARAMS, readAnyCredential } from '../auth/credential.js';
import { authenticate } from '../auth/index.js';
import type { JwtResult } from '../auth/jwks.js';
import type { SecretBox } from '../auth/secret-box.js';
import type { ResolvedConfig } from '../config/schema.js';
import { openaiAdapter } from '../providers/openai/index.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { ProviderName, Store } from '../types.js';
import { parseContext } from './context.js';
import { type UpstreamClient, upstreamHeaders } from './forward.js';
import { finishWith } from './finish.js';
import { readAnswer } from './read-answer.js';
import { applyBodyPolicies } from './body-policies.js';
import { type ToolCallGuard, readBackGuard } from './policy-stage.js';
import type { AnswerMemory } from './answer-memory.js';
import type { ApprovalBook } from './approval-book.js';
import type { TaintTracker } from './taint-tracker.js';
import { readBody } from './read-body.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { refuseModelName } from './model-name.js';
import { forwardWithRetries } from './retry.js';
import type { Recorder } from './record.js';
import type { RouteResult } from './route.js';
import { type AskThroughProxy, type SelfDispatch, selfCaller } from './self-call.js';
import type { SanitizeCache } from '../policy/dual-llm/cache.js';
import type { ScopeBook } from './tool-scope-stage.js';
import type { RateLimiter } from './rate-limit-stage.js';
import type { PriceBook } from '../pricing/price-book.js';
import { type Budgeter, estimateInputTokens } from './budget-stage.js';
import { keyBudgetRules } from '../policy/key-budgets.js';
import { requestedMaxTokens } from '../providers/requested-max-tokens.js';
import { applyModelRules } from './model-rule-stage.js';
import { compressToolResults } from './compression-stage.js';

export interface DispatchDeps {
  config: ResolvedConfig;
  store: Store;
  secretBox: SecretBox | null;
  /** JWT verifiers by profile id, for the profiles that accept JWTs. */
  jwtVerifiers: ReadonlyMap<string, (token: string) => Promise<JwtResult>>;
  taint: TaintTracker;
  /** The contexts answers that can be read back by id were judged in. */
  answers: AnswerMemory;
  /** Tool calls held for a person's decision. */
  approvals: ApprovalBook;
  /** Prices each answer's usage; its table loads in the background when the proxy is built. */
  prices: PriceBook;
  upstream: UpstreamClient;
  /** Upstream base URL per provider, from the configuration. */
  baseUrls: Record<ProviderName, string>;
  /** Serves the proxy's own model calls (the dual-LLM quarantine) like a client's. */
  self: SelfDispatch;
  /** The dual-LLM quarantine's remembered results, per profile. */
  sanitizeCache(profileId: string): SanitizeCache;
  /** The sessions' tool scopes (`toolScope`), per profile. */
  scopeBook(profileId: string): ScopeBook;
  /** Rate limits (`limits.rate`): counters in the store. */
  rateLimiter: RateLimiter;
  /** Budgets (`limits.budgets`): reservations and spend in the store. */
  budgeter: Budgeter;
}

/** Operations that cost nothing: never counted against a budget. */
const FREE_OPERATIONS = new Set(['count_tokens', 'show']);

/** Status recorded for a request whose client went away before the answer (nginx's convention). */
const CLIENT_CLOSED = 499;

/** Fatal: a body that is not UTF-8 is refused, so the guards judge the very bytes the upstream reads. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The pipeline for one request: route -> context -> auth -> decode -> forward -> inspect ->
 * record. Every exit calls `recorder.finish()` (or hands the recorder to the stream, which does),
 * so every request leaves one audit row.
 */
export async function dispatch(request: Request, search: string, route: RouteResult, recorder: Recorder, deps: DispatchDeps): Promise<Response> {
  if (route.kind === 'unknown-provider') {
    // No provider, so no dialect: OpenAI's error shape is the one most clients parse.
    return reject(recorder, null, 404, route.message, 'not_found_error');
  }
  const { adapter } = route;
  recorder.provider = adapter.name;
  recorder.proxyId = route.profileId;
  if (route.kind === 'unknown-path') return reject(recorder, adapter, 404, route.message, 'not_found_error');
  const { match } = route;
  const operation = match.route.operation;
  recorder.operation = operation;
  const query = new URLSearchParams(search);

  const context = parseContext(request.headers);
  if (!context.success) return reject(recorder, adapter, 400, context.message, 'invalid_request_error');
  recorder.context = context.context;

  const credential = adapter.readCredential(request.headers, query) ?? readAnyCredential(request.headers);
  const auth = await authenticate(
    {
      credential,
      provider: adapter.name,
      proxyId: route.profileId,
      auth: deps.config.profiles[route.profileId]?.auth ?? deps.config.auth,
      configuredKey: configuredKey(deps.config, adapter.name, route.profileId),
      requiresCredential: adapter.requiresCredential,
    },
    { store: deps.store, secretBox: deps.secretBox, verifyJwt: deps.jwtVerifiers.get(route.profileId) },
  );
  if (!auth.success) {
    const type = auth.status === 403 ? 'permission_error' : auth.status === 503 ? 'upstream_error' : 'authentication_error';
    return reject(recorder, adapter, auth.status, auth.message, type);
  }
  recorder.authMethod = auth.principal.method;
  recorder.virtualKeyId = auth.principal.virtualKeyId ?? null;
  // An identity the token proves wins over one the headers merely claim.
  if (auth.principal.userId !== undefined) recorder.context = { ...recorder.context, userId: auth.principal.userId };
  const key = auth.upstreamKey;
  // The keys never reach the audit trail, even where the client's body or an answer quotes them.
  recorder.setSecrets(credential, key);

  let body: Uint8Array | string | null = null;
  let nativePath = match.nativePath;
  let injectedUsage = false;
  let guard: ToolCallGuard | null = null;
  let tainted = false;
  const policy = deps.config.profiles[route.profileId]?.policies ?? deps.config.policies;
  const rateLimits = deps.config.profiles[route.profileId]?.limits?.rate ?? deps.config.limits.rate;
  const configured = deps.config.profiles[route.profileId]?.limits?.budgets ?? deps.config.limits.budgets;
  // A virtual key's own budgets count on top of the configured ones.
  const budgets = auth.principal.keyBudgets ? [...configured, ...keyBudgetRules(auth.principal.keyBudgets)] : configured;
  if (match.route.hasBody) {
    const read = await readBody(request, deps.config.limits.maxRequestBodyBytes);
    if (!read.success) return reject(recorder, adapter, read.status, read.message, 'invalid_request_error');
    let text: string;
    try {
      text = utf8.decode(read.bytes);
    } catch {
      return reject(recorder, adapter, 400, 'The request body is not valid UTF-8.', 'invalid_request_error');
    }
    recorder.setRequestBody(text);
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      return reject(recorder, adapter, 400, `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`, 'invalid_request_error');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return reject(recorder, adapter, 400, 'The request body is not valid JSON.', 'invalid_request_error');
    }
    const decoded = adapter.decodeRequest(match, json, query);
    if (!decoded.success) return reject(recorder, adapter, 400, decoded.message, 'invalid_request_error');
    const badModel = refuseModelName(decoded.view.model);
    if (badModel) return reject(recorder, adapter, 400, badModel, 'invalid_request_error');
    recorder.model = decoded.view.model;
    recorder.requestedModel = decoded.view.model;
    recorder.stream = decoded.view.stream;
    // Before the limits: they, the price and the metrics count the model that is used.
    const modelRules = deps.config.profiles[route.profileId]?.modelRules ?? deps.config.modelRules;
    const rewrite = applyModelRules({ rules: modelRules, adapter, match, view: decoded.view, json: decoded.json, query, recorder });
    nativePath = rewrite.nativePath;
    // Before any policy work (the quarantine's model calls cost too): a limited request costs little.
    const limited = await deps.rateLimiter.admit(recorder, adapter, rateLimits);
    if (limited) return limited;
    if (budgets.length > 0 && !FREE_OPERATIONS.has(operation)) {
      const worst = { inputTokens: estimateInputTokens(read.bytes.byteLength), maxTokens: requestedMaxTokens(adapter.name, operation, decoded.json) };
      const overBudget = await deps.budgeter.reserve(recorder, adapter, budgets, worst);
      if (overBudget) return overBudget;
    }
    const dualLlm = dualLlmFor(request, query, adapter, route.profileId, credential ?? '', deps);
    const stage = await applyBodyPolicies({ view: decoded.view, json: decoded.json, operation, adapter, policy, recorder, taint: deps.taint, answers: deps.answers, dualLlm, approvals: { book: deps.approvals, caller: credential ?? '' }, scopes: deps.scopeBook(route.profileId) });
    if (stage.kind === 'reject') return reject(recorder, adapter, stage.status, stage.message, stage.type);
    guard = stage.guard;
    // A hosted tool (web search, fetch) may bring outside content into the answer itself.
    tainted = stage.tainted || (decoded.view.hostedTools?.length ?? 0) > 0;
    // After the policies, which judged the results as the client sent them.
    const compression = deps.config.profiles[route.profileId]?.compression ?? deps.config.compression;
    const compressed = compressToolResults(compression, adapter, operation, decoded.json, recorder);
    const changed = stage.changed || rewrite.bodyChanged || compressed;
    // Streams report usage only when asked; ask, and hide the extra event from the client.
    injectedUsage = decoded.view.stream && adapter.requestStreamUsage(operation, decoded.json);
    // An unchanged request goes upstream as its original bytes.
    body = injectedUsage || changed ? JSON.stringify(decoded.json) : read.bytes;
  } else {
    // An answer read back by id (no body) is judged in the context it was made in.
    const answerId = readBackId(operation, match.nativePath);
    if (answerId !== undefined) guard = await readBackGuard(answerId, policy, recorder, deps.answers);
  }
  if (!match.route.hasBody && operation === 'models' && match.params[0] !== undefined) {
    // Only a models route names a model in its path (a response id must not become a metric label).
    recorder.model = match.params[0];
    recorder.requestedModel = match.params[0];
  }
  if (!match.route.hasBody) {
    const limited = await deps.rateLimiter.admit(recorder, adapter, rateLimits);
    if (limited) return limited;
  }

  // A key sent in the query (Gemini's `?key=`) moves to a header: URLs end up in logs. Keys in
  // the query are never forwarded, whatever the provider: the upstream gets only the chosen key.
  for (const name of adapter.credentialQueryParams) query.delete(name);
  for (const name of CREDENTIAL_QUERY_PARAMS) query.delete(name);
  const upstreamSearch = query.size > 0 ? `?${query.toString()}` : '';
  const url = `${deps.baseUrls[adapter.name]}${nativePath}${upstreamSearch}`;
  recorder.startSpan(new URL(url).host);
  const headers = upstreamHeaders(request.headers, adapter.credentialHeaders);
  if (key !== undefined) {
    const [name, value] = adapter.credentialHeader(key);
    headers[name] = value;
  }
  if (body !== null) headers['content-type'] = 'application/json';

  // Only the requests made while the price table is still loading (just after start) wait for it,
  // before they go upstream: an answer held back meanwhile could be cut off by its upstream.
  if (!deps.prices.loaded) await deps.prices.ready();
  recorder.markUpstreamStart(performance.now());
  const forwarded = await forwardWithRetries(deps.upstream, { url, method: request.method, headers, body, signal: request.signal }, deps.config.upstream.retries, (reason) => recorder.countRetry(reason));
  recorder.upstreamAttempts = forwarded.attempts;
  const { result } = forwarded;
  if (!result.success) {
    if (result.aborted) return finishWith(recorder, new Response(null, { status: CLIENT_CLOSED }), 'client_aborted', result.message);
    const extra = result.retryAfter === undefined ? undefined : { 'retry-after': result.retryAfter };
    const outcome = result.upstreamStatus === undefined ? 'upstream_unreachable' : 'upstream_error';
    return finishWith(recorder, adapter.errorResponse(result.status, result.message, 'upstream_error', extra), outcome, result.message);
  }
  if (result.status >= 300 && result.status < 400) {
    result.body.destroy();
    const message = `The upstream answered with a redirect (${result.status}); the proxy does not follow redirects.`;
    return finishWith(recorder, adapter.errorResponse(502, message, 'upstream_error'), 'upstream_error', message);
  }

  const format = adapter.answerFormat(operation, recorder.stream, query);
  return readAnswer(result, { adapter, operation, format, recorder, policy, guard, tainted, scanForLeaks: match.route.hasBody, injectedUsage, upstreamKey: key, signal: request.signal, maxHeldStreamBytes: deps.config.limits.maxHeldStreamBytes, maxResponseBodyBytes: deps.config.limits.maxResponseBodyBytes, maxTextBytes: deps.config.audit.maxBodyBytes });
}

/** What the dual-LLM quarantine needs of this request: its profile's cache, and a way to ask the model as this client. */
function dualLlmFor(request: Request, query: URLSearchParams, adapter: ProviderAdapter, profileId: string, caller: string, deps: DispatchDeps) {
  let ask: AskThroughProxy | undefined;
  return {
    profileId,
    caller,
    cache: deps.sanitizeCache(profileId),
    // Built on first use: most requests carry no result to sanitize.
    call: ((call, note) => (ask ??= selfCaller({ self: deps.self, adapter, profileId, original: request, query }))(call, note)) satisfies AskThroughProxy,
  };
}

/**
 * The id of a stored answer an operation reads back (`GET /responses/{id}`, its resumed stream,
 * `POST /responses/{id}/cancel`, which answers with the response). The route captures none, so it
 * never becomes a metrics label.
 */
function readBackId(operation: string, nativePath: string): string | undefined {
  const segments = nativePath.split('/');
  if (operation === 'responses.retrieve') return segments.at(-1);
  if (operation === 'responses.cancel') return segments.at(-2);
  return undefined;
}

function configuredKey(config: ResolvedConfig, provider: ProviderName, profileId: string): string | undefined {
  return config.profiles[profileId]?.providers?.[provider]?.apiKey ?? config.providers[provider]?.apiKey;
}

function reject(recorder: Recorder, adapter: ProviderAdapter | null, status: number, message: string, type: string): Response {
  const response = (adapter ?? openaiAdapter).errorResponse(status, message, type);
  return finishWith(recorder, response, 'rejected', message);
}
