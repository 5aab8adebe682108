import type { ModelRule } from '../config/model-rules-schema.js';
import { chooseModelRule, declaresTools, estimatePromptTokens } from '../policy/model-rules.js';
import type { ProviderAdapter, RequestView, RouteMatch } from '../providers/types.js';
import type { Recorder } from './record.js';

export interface ModelRuleInput {
  rules: readonly ModelRule[];
  adapter: ProviderAdapter;
  match: RouteMatch;
  view: RequestView;
  /** The decoded body; its `model` is changed in place where the model lives in the body. */
  json: Record<string, unknown>;
  query: URLSearchParams;
  recorder: Recorder;
}

/** Where the request goes: its native path (Gemini's names the model) and whether the body changed. */
export interface ModelRewrite {
  nativePath: string;
  bodyChanged: boolean;
}

/**
 * The model-rule stage: before the rate limits and budgets, so they (and the price, the metrics
 * and the span) count the model that is used. The first rule that holds picks the model; it is
 * written where the format keeps it: the body's `model` (OpenAI, Anthropic, vLLM, Ollama) or the
 * path (`models/{model}:generateContent`, Gemini). Only requests that produce an answer are
 * rewritten. The row keeps the model asked for (`requestedModel`) beside the one used (`model`).
 */
export function applyModelRules({ rules, adapter, match, view, json, query, recorder }: ModelRuleInput): ModelRewrite {
  const unchanged = { nativePath: match.nativePath, bodyChanged: false };
  const requested = view.model;
  if (rules.length === 0 || requested === null) return unchanged;
  if (adapter.answerFormat(match.route.operation, view.stream, query) === 'opaque') return unchanged;
  const rule = chooseModelRule(rules, { provider: adapter.name, model: requested, promptTokens: estimatePromptTokens(view), hasTools: declaresTools(view) });
  if (rule === null || rule.use === requested) return unchanged;
  let rewrite: ModelRewrite | null = null;
  if (json['model'] === requested) {
    json['model'] = rule.use;
    rewrite = { nativePath: match.nativePath, bodyChanged: true };
  } else {
    const nativePath = rewritePathModel(match, requested, rule.use);
    if (nativePath !== null) rewrite = { nativePath, bodyChanged: false };
  }
  // A format that keeps the model elsewhere, or a name its path cannot carry: the client's model stays.
  if (rewrite === null) return unchanged;
  recorder.model = rule.use;
  recorder.decisions.push({ kind: 'model_rule', ruleId: rule.id, requested, used: rule.use });
  return rewrite;
}

/**
 * The native path with the model its route captured replaced (`/v1beta/models/{model}:method`);
 * null when no segment captured it, or the new name would not match the route (a `/` or `:` in it).
 */
function rewritePathModel(match: RouteMatch, from: string, to: string): string | null {
  const segments = match.nativePath.split('/').slice(1);
  for (const [index, pattern] of match.route.segments.entries()) {
    const segment = segments[index];
    if (typeof pattern === 'string' || segment === undefined || !segment.startsWith(from)) continue;
    if (captured(pattern, segment) !== from) continue;
    const replaced = to + segment.slice(from.length);
    if (captured(pattern, replaced) !== to) return null;
    segments[index] = replaced;
    return `/${segments.join('/')}`;
  }
  return null;
}

function captured(pattern: RegExp, segment: string): string | undefined {
  const found = pattern.exec(segment);
  return found ? (found[1] ?? found[0]) : undefined;
}
