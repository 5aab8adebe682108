import type { ModelRule } from '../config/model-rules-schema.js';
import type { RequestView } from '../providers/types.js';
import type { ProviderName } from '../types.js';
import { globMatches } from './match.js';

/** What a model rule looks at in a request. */
export interface ModelRuleSubject {
  provider: ProviderName;
  model: string;
  /** The prompt, estimated (`estimatePromptTokens`). */
  promptTokens: number;
  /** The request declares tools (functions, or provider-hosted ones). */
  hasTools: boolean;
}

/** Characters per token of the estimate: a common rule of thumb for English text and JSON. */
const CHARS_PER_TOKEN = 4;

/**
 * The prompt's tokens, estimated cheaply as one per 4 characters of what the model reads: the
 * messages' text, their tool calls and results, untrusted content and the tool definitions. No
 * tokenizer: a rule's `maxPromptTokens` is a rough size, not an exact count.
 */
export function estimatePromptTokens(view: RequestView): number {
  let chars = 0;
  for (const message of view.messages) {
    chars += message.text.length;
    for (const call of message.toolCalls) chars += call.name.length + call.arguments.length;
    for (const result of message.toolResults) chars += result.text.length;
  }
  for (const content of view.untrusted ?? []) chars += content.text.length;
  for (const tool of view.tools) chars += tool.name.length + (tool.description?.length ?? 0) + (tool.parameters === undefined ? 0 : JSON.stringify(tool.parameters).length);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Whether the request declares any tool the model could call. */
export function declaresTools(view: RequestView): boolean {
  return view.tools.length > 0 || (view.hostedTools?.length ?? 0) > 0;
}

/** The first rule whose conditions all hold for `subject`, or null: the client's model stays. */
export function chooseModelRule(rules: readonly ModelRule[], subject: ModelRuleSubject): ModelRule | null {
  for (const rule of rules) if (holds(rule, subject)) return rule;
  return null;
}

function holds({ when }: ModelRule, subject: ModelRuleSubject): boolean {
  if (when.provider !== undefined && !listOf(when.provider).includes(subject.provider)) return false;
  if (when.model !== undefined && !listOf(when.model).some((pattern) => globMatches(pattern, subject.model))) return false;
  if (when.maxPromptTokens !== undefined && subject.promptTokens > when.maxPromptTokens) return false;
  if (when.noTools && subject.hasTools) return false;
  return true;
}

function listOf<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? value : [value as T];
}
