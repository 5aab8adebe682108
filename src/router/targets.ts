/**
 * Where the router can send a request, by provider: the upstream path, the body in the
 * provider's format, and how its answers read as OpenAI's. OpenAI-format providers (OpenAI, vLLM,
 * Ollama's OpenAI-compatible API) take the request as it is, less the `<provider>:` prefix.
 * To route to another provider, add its entry here.
 */
import { isRecord, safeParseJson } from '../providers/shared/json.js';
import { PROVIDER_NAMES, type ProviderName } from '../types.js';
import { fromAnthropicMessage, anthropicStreamTranslator } from './anthropic-answer.js';
import { toAnthropicRequest } from './anthropic-request.js';
import { fromGeminiResponse, geminiStreamTranslator } from './gemini-answer.js';
import { toGeminiRequest } from './gemini-request.js';
import type { StreamTranslator } from './stream-translator.js';

export interface RouterTarget {
  /** The upstream path (with its query), relative to the provider's base URL. */
  path(model: string, stream: boolean): string;
  /** Headers the provider requires besides its credential. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body in the provider's format; throws TranslateError when it cannot be expressed. */
  body(json: Record<string, unknown>, model: string): Record<string, unknown>;
  /** A whole answer as a Chat Completions answer; null when it is one already. Throws when unreadable. */
  answer: ((json: unknown) => Record<string, unknown>) | null;
  /** A translator for one streamed answer; null when the stream is OpenAI's already. */
  stream: (() => StreamTranslator) | null;
  /** The message of an error body in the provider's shape. */
  errorMessage(text: string): string | undefined;
}

const openaiFormat = (prefix: string): RouterTarget => ({
  path: () => `${prefix}/chat/completions`,
  headers: {},
  body: (json, model) => ({ ...json, model }),
  answer: null,
  stream: null,
  errorMessage: (text) => nestedMessage(text),
});

export const ROUTER_TARGETS: Partial<Record<ProviderName, RouterTarget>> = {
  openai: openaiFormat(''),
  vllm: openaiFormat(''),
  // Ollama's base URL is its root; its OpenAI-compatible API is under /v1.
  ollama: openaiFormat('/v1'),
  // Azure OpenAI's v1 API (no api-version): the deployment is the body's model.
  azure: openaiFormat('/openai/v1'),
  anthropic: {
    path: () => '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    body: (json, model) => toAnthropicRequest(json, model),
    answer: fromAnthropicMessage,
    stream: anthropicStreamTranslator,
    errorMessage: (text) => nestedMessage(text),
  },
  gemini: {
    // `gemini:models/gemini-2.5-flash` and `gemini:gemini-2.5-flash` name the same model.
    path: (model, stream) => `/v1beta/models/${encodeURIComponent(model.replace(/^models\//, ''))}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    headers: {},
    body: (json) => toGeminiRequest(json),
    answer: fromGeminiResponse,
    stream: geminiStreamTranslator,
    errorMessage: (text) => nestedMessage(text),
  },
};

/**
 * How the router reaches a served provider: its own entry above, or, for a provider configured by
 * name that is not built in (an OpenAI-compatible API: Groq, Mistral, OpenRouter, ...), OpenAI's
 * format at its base URL. Undefined for one it cannot reach or that is not configured.
 */
export function routerTarget(name: ProviderName, served: ReadonlySet<string>): RouterTarget | undefined {
  if (!served.has(name)) return undefined;
  if (Object.hasOwn(ROUTER_TARGETS, name)) return ROUTER_TARGETS[name];
  return (PROVIDER_NAMES as readonly string[]).includes(name) ? undefined : OPENAI_COMPATIBLE;
}

const OPENAI_COMPATIBLE = openaiFormat('');

/** The served providers the router reaches, for its messages. */
export function routableProviders(served: ReadonlySet<string>): ProviderName[] {
  return [...served].filter((name) => routerTarget(name, served) !== undefined);
}

/** `error.message` of an error body (OpenAI, Anthropic and Google all nest it so). */
function nestedMessage(text: string): string | undefined {
  const parsed = safeParseJson(text);
  if (!parsed.success || !isRecord(parsed.value)) return undefined;
  const error = parsed.value.error;
  return isRecord(error) && typeof error.message === 'string' ? error.message : undefined;
}
