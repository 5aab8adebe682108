/**
 * The model router (`/router[/<proxyId>]/chat/completions`): an OpenAI Chat Completions request
 * whose `model` is `<provider>:<model>` or an alias (`models`). It is decoded, limited and judged
 * once as OpenAI's, then translated for each deployment in turn (fallbacks, router-forward.ts),
 * and the answer translated back is judged as OpenAI's. Usage and cost are recorded under the
 * provider and model that answered.
 */
import { type Principal, authenticate } from '../auth/index.js';
import { presentedCredential, readAnyCredential } from '../auth/credential.js';
import type { ResolvedConfig } from '../config/schema.js';
import { keyBudgetRules } from '../policy/key-budgets.js';
import { requestedMaxTokens } from '../providers/requested-max-tokens.js';
import { readBearer } from '../providers/openai/index.js';
import { type Deployment, resolveModel } from '../router/deployments.js';
import { routableProviders, routerTarget } from '../router/targets.js';
import { TranslateError } from '../router/translate-error.js';
import type { ProviderName } from '../types.js';
import { applyBodyPolicies } from './body-policies.js';
import { estimateInputTokens } from './budget-stage.js';
import { parseContext } from './context.js';
import type { DispatchDeps } from './dispatch.js';
import { finishWith } from './finish.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { refuseModelName } from './model-name.js';
import { readBody } from './read-body.js';
import type { Recorder } from './record.js';
import type { RouteResult } from './route.js';
import { type PreparedAttempt, forwardWithFallbacks } from './router-forward.js';
import { selfCaller } from './self-call.js';

type RouterRoute = Extract<RouteResult, { kind: 'router' }>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a client's own provider key is refused here. */
export const ROUTER_PROVIDER_KEY = "The model router does not take a provider's own API key: a key belongs to one provider, and the router may send the request to another. Send a virtual key (whose secrets name each provider's key), a token, or no key to use the keys configured for each provider.";

export async function dispatchRouter(request: Request, search: string, route: RouterRoute, recorder: Recorder, deps: DispatchDeps): Promise<Response> {
  const { adapter, profileId } = route;
  const operation = route.match.route.operation;
  recorder.proxyId = profileId;
  recorder.operation = operation;
  const reject = (status: number, message: string, type: string) => finishWith(recorder, adapter.errorResponse(status, message, type), 'rejected', message);

  const context = parseContext(request.headers);
  if (!context.success) return reject(400, context.message, 'invalid_request_error');
  recorder.context = context.context;
  // `X-Archestra-Virtual-Key` may carry the virtual key while the SDK sends a key of its own: that one is dropped.
  const presented = presentedCredential(request.headers, readBearer(request.headers) ?? readAnyCredential(request.headers));
  if (!presented.success) return reject(401, presented.message, 'authentication_error');
  const { credential, dropped } = presented;

  const read = await readBody(request, deps.config.limits.maxRequestBodyBytes);
  if (!read.success) return reject(read.status, read.message, 'invalid_request_error');
  let text: string;
  try {
    text = utf8.decode(read.bytes);
  } catch {
    return reject(400, 'The request body is not valid UTF-8.', 'invalid_request_error');
  }
  recorder.setSecrets(credential, dropped);
  recorder.setRequestBody(text);
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return reject(400, `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`, 'invalid_request_error');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reject(400, 'The request body is not valid JSON.', 'invalid_request_error');
  }
  const decoded = adapter.decodeRequest(route.match, json, new URLSearchParams(search));
  if (!decoded.success) return reject(400, decoded.message, 'invalid_request_error');
  const { view } = decoded;
  const badModel = refuseModelName(view.model);
  if (badModel) return reject(400, badModel, 'invalid_request_error');
  const aliases = { ...deps.config.models, ...deps.config.profiles[profileId]?.models };
  const served = new Set(deps.providers.keys());
  const resolved = resolveModel(view.model!, aliases, routableProviders(served));
  if (!resolved.success) return reject(400, resolved.message, 'invalid_request_error');
  const [first] = resolved.deployments;
  recorder.provider = first!.provider;
  recorder.model = first!.model;
  recorder.stream = view.stream;

  const authorized = await authorize(resolved.deployments, credential, profileId, deps);
  if (!authorized.success) return reject(authorized.status, authorized.message, authorized.type);
  const { keys, principal } = authorized;
  recorder.authMethod = principal.method;
  recorder.virtualKeyId = principal.virtualKeyId ?? null;
  // An identity the token proves wins over one the headers merely claim.
  if (principal.userId !== undefined) recorder.context = { ...recorder.context, userId: principal.userId };
  // The keys never reach the audit trail, even where the client's body quotes them.
  recorder.setSecrets(credential, dropped, ...keys);
  recorder.setRequestBody(text);
  const keyBudgets = principal.keyBudgets ? keyBudgetRules(principal.keyBudgets) : [];

  const profile = deps.config.profiles[profileId];
  const policy = profile?.policies ?? deps.config.policies;
  const limited = await deps.rateLimiter.admit(recorder, adapter, profile?.limits?.rate ?? deps.config.limits.rate);
  if (limited) return limited;
  const budgets = [...(profile?.limits?.budgets ?? deps.config.limits.budgets), ...keyBudgets];
  if (budgets.length > 0) {
    const worst = { inputTokens: estimateInputTokens(read.bytes.byteLength), maxTokens: requestedMaxTokens('openai', operation, decoded.json) };
    const overBudget = await deps.budgeter.reserve(recorder, adapter, budgets, worst);
    if (overBudget) return overBudget;
  }
  // The quarantine's own model calls go through the router too, to the model the client named.
  const ask = selfCaller({ self: deps.self, adapter, profileId, original: request, query: new URLSearchParams(), route: (segments) => ({ ...route, match: { ...route.match, nativePath: `/${segments.join('/')}` } }) });
  const dualLlm = { profileId, caller: credential ?? '', cache: deps.sanitizeCache(profileId), call: ask };
  const stage = await applyBodyPolicies({ view, json: decoded.json, operation, adapter, policy, recorder, taint: deps.taint, answers: deps.answers, dualLlm, approvals: { book: deps.approvals, caller: credential ?? '' }, scopes: deps.scopeBook(profileId) });
  if (stage.kind === 'reject') return reject(stage.status, stage.message, stage.type);
  // Streams report usage only when asked; ask, and hide the extra event from the client.
  const injectedUsage = view.stream && adapter.requestStreamUsage(operation, decoded.json);

  let attempts: PreparedAttempt[];
  try {
    attempts = resolved.deployments.map((deployment, index) => prepare(request, deployment, keys[index], decoded.json, view.stream, deps));
  } catch (error) {
    if (error instanceof TranslateError) return reject(400, error.message, 'invalid_request_error');
    throw error;
  }
  return forwardWithFallbacks(attempts, {
    recorder,
    deps,
    signal: request.signal,
    answer: { adapter, operation, policy, guard: stage.guard, tainted: stage.tainted, injectedUsage },
  });
}

type Authorized = { success: true; keys: (string | undefined)[]; principal: Principal } | { success: false; status: number; message: string; type: string };

/**
 * Each deployment's upstream key, by the same rules as a call to its provider (a virtual key's
 * scope and secrets, a token, the configured keys), all settled before anything goes out. A
 * client's own provider key is refused: it belongs to one provider, the router may pick another.
 */
async function authorize(deployments: readonly Deployment[], credential: string | undefined, profileId: string, deps: DispatchDeps): Promise<Authorized> {
  const keys: (string | undefined)[] = [];
  let principal: Principal | undefined;
  for (const deployment of deployments) {
    const auth = await authenticate(
      { credential, provider: deployment.provider, proxyId: profileId, auth: deps.config.profiles[profileId]?.auth ?? deps.config.auth, configuredKey: configuredKey(deps.config, deployment.provider, profileId), requiresCredential: deps.providers.get(deployment.provider)?.adapter.requiresCredential ?? true },
      { store: deps.store, secretBox: deps.secretBox, verifyJwt: deps.jwtVerifiers.get(profileId) },
    );
    if (!auth.success) {
      const type = auth.status === 403 ? 'permission_error' : auth.status === 503 ? 'upstream_error' : 'authentication_error';
      return { success: false, status: auth.status, message: `The router cannot call ${deployment.provider}:${deployment.model}: ${auth.message}`, type };
    }
    if (auth.principal.method === 'provider_key') return { success: false, status: 401, message: ROUTER_PROVIDER_KEY, type: 'authentication_error' };
    principal ??= auth.principal;
    keys.push(auth.upstreamKey);
  }
  return { success: true, keys, principal: principal! };
}

/** The request in the deployment's format, for its upstream; throws TranslateError. */
function prepare(request: Request, deployment: Deployment, key: string | undefined, json: Record<string, unknown>, stream: boolean, deps: DispatchDeps): PreparedAttempt {
  // resolveModel took only the providers the router reaches.
  const served = deps.providers.get(deployment.provider)!;
  const target = routerTarget(deployment.provider, new Set(deps.providers.keys()))!;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'accept-encoding': 'identity', accept: stream ? 'text/event-stream' : 'application/json', ...served.headers, ...target.headers };
  const userAgent = request.headers.get('user-agent');
  if (userAgent) headers['user-agent'] = userAgent;
  if (key !== undefined) {
    const [name, value] = served.adapter.credentialHeader(key);
    headers[name] = value;
  }
  return { deployment, target, key, url: `${served.baseUrl}${target.path(deployment.model, stream)}`, headers, body: JSON.stringify(target.body(json, deployment.model)) };
}

function configuredKey(config: ResolvedConfig, provider: ProviderName, profileId: string): string | undefined {
  return config.profiles[profileId]?.providers?.[provider]?.apiKey ?? config.providers[provider]?.apiKey;
}
