/**
 * Gemini API wire-format builders for the scripted upstream (see ./gemini.ts):
 * `GenerateContentResponse` bodies, the `data:` events of `streamGenerateContent?alt=sse`,
 * models, token counts, embeddings and Google's error bodies.
 */
import { randomBytes } from 'node:crypto';

export interface GeminiFunctionCall { name: string; args: Record<string, unknown>; id?: string }

/** `cached`: of the prompt, tokens read from a context cache (`cachedContentTokenCount`). */
export interface GeminiUsage { prompt: number; candidates: number; thoughts?: number; cached?: number }

export type GeminiReply =
  | {
      kind: 'generate';
      text?: string;
      functionCalls?: GeminiFunctionCall[];
      usage?: GeminiUsage;
      /** Defaults to the model in the path. */
      modelVersion?: string;
      /** Defaults to 'STOP'. */
      finishReason?: string;
      /** Streamed replies only: after this many events, an `{"error": ...}` event, then the end of the body. */
      streamError?: { afterEvents: number; code: number; message: string; status: string };
    }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; headers: Record<string, string>; body: string };

export type GenerateReply = Extract<GeminiReply, { kind: 'generate' }>;

export const DEFAULT_USAGE: GeminiUsage = { prompt: 11, candidates: 8 };

export const DEFAULT_GENERATE_REPLY: GeminiReply = { kind: 'generate', text: 'Hello from the scripted Gemini upstream.', usage: DEFAULT_USAGE };

export const MODELS = [
  { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', methods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'] },
  { id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', methods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'] },
  { id: 'gemini-embedding-001', displayName: 'Gemini Embedding 001', methods: ['embedContent', 'countTextTokens', 'countTokens', 'asyncBatchEmbedContent'] },
].map(({ id, displayName, methods }) => ({
  name: `models/${id}`,
  version: '001',
  displayName,
  description: `${displayName}, as the scripted upstream lists it.`,
  inputTokenLimit: 1_048_576,
  outputTokenLimit: 65_536,
  supportedGenerationMethods: methods,
}));

/** A response id in the API's style (22 url-safe base64 characters). */
export const responseId = () => randomBytes(16).toString('base64url').slice(0, 22);

/** Google's error body. */
export function geminiError(code: number, message: string, status: string, details?: unknown[]) {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/**
 * JSON the way the API writes a stream event: one line, `": "` after a key, `,` alone between
 * members (`{"candidates": [{"content": {"parts": [...],"role": "model"}}]}`).
 */
export function googleJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(googleJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}: ${googleJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function usageMetadata(usage: GeminiUsage, final: boolean) {
  const thoughts = usage.thoughts ?? 0;
  const candidates = final ? usage.candidates : 0;
  return {
    promptTokenCount: usage.prompt,
    // Proto3 JSON leaves zero counts out: early stream events carry no candidatesTokenCount.
    ...(candidates ? { candidatesTokenCount: candidates } : {}),
    totalTokenCount: usage.prompt + candidates + thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.prompt }],
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    ...(usage.cached ? { cachedContentTokenCount: usage.cached } : {}),
  };
}

function functionCallParts(calls: GeminiFunctionCall[]) {
  return calls.map((call) => ({ functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.args } }));
}

/** Split into pieces of about three words, whitespace kept: how the API streams text. */
export function textPieces(text: string): string[] {
  const words = text.split(/(?<=\s)/u).filter((word) => word !== '');
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += 3) pieces.push(words.slice(i, i + 3).join(''));
  return pieces;
}

export function generateBody(reply: GenerateReply, model: string, id = responseId()) {
  const parts = [...(reply.text !== undefined ? [{ text: reply.text }] : []), ...functionCallParts(reply.functionCalls ?? [])];
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: reply.finishReason ?? 'STOP', index: 0 }],
    usageMetadata: usageMetadata(reply.usage ?? DEFAULT_USAGE, true),
    modelVersion: reply.modelVersion ?? model,
    responseId: id,
  };
}

/**
 * The `GenerateContentResponse` objects of a streamed reply: text pieces, then the function calls
 * in one event; the last event has `finishReason` and the final usage.
 */
export function streamChunks(reply: GenerateReply, model: string): Record<string, unknown>[] {
  const id = responseId();
  const contents: object[][] = textPieces(reply.text ?? '').map((text) => [{ text }]);
  if (reply.functionCalls?.length) contents.push(functionCallParts(reply.functionCalls));
  if (contents.length === 0) contents.push([{ text: '' }]);
  const usage = reply.usage ?? DEFAULT_USAGE;
  return contents.map((parts, i) => {
    const final = i === contents.length - 1;
    return {
      candidates: [{ content: { parts, role: 'model' }, ...(final ? { finishReason: reply.finishReason ?? 'STOP' } : {}), index: 0 }],
      usageMetadata: usageMetadata(usage, final),
      modelVersion: reply.modelVersion ?? model,
      responseId: id,
    };
  });
}

/** The SSE events of `streamGenerateContent?alt=sse`: `data:` lines ended by CRLF CRLF, no terminator. */
export function sseEvents(reply: GenerateReply, model: string): string[] {
  let events = streamChunks(reply, model).map((chunk) => `data: ${googleJson(chunk)}\r\n\r\n`);
  if (reply.streamError) {
    const { afterEvents, code, message, status } = reply.streamError;
    events = [...events.slice(0, afterEvents), `data: ${googleJson(geminiError(code, message, status))}\r\n\r\n`];
  }
  return events;
}

/** `streamGenerateContent` without `alt=sse`: one JSON array of the same objects. */
export function streamArrayBody(reply: GenerateReply, model: string): string {
  return `[${streamChunks(reply, model).map((chunk) => JSON.stringify(chunk, null, 2)).join(',\r\n')}]`;
}

/** A crude token count: words and punctuation marks. */
export function countTokensOf(text: string): number {
  return text.match(/\w+|[^\s\w]/gu)?.length ?? 0;
}

/** A deterministic embedding of a text: eight values derived from its characters. */
export function embeddingOf(text: string): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((((text.codePointAt(i % Math.max(text.length, 1)) ?? 0) % 97) / 97 - 0.5).toFixed(6)));
}
