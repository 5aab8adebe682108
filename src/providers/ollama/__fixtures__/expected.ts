/**
 * What each golden fixture means: the answer a stream reader (or `readResponse`) must assemble
 * from it. The fixtures are Ollama's wire format as a server writes it (Go's JSON encoder, so
 * `<`, `>` and `&` arrive as `\u003c`, `\u003e`, `\u0026`).
 */
import { readFileSync } from 'node:fs';
import type { ResponseView } from '../../types.js';

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, import.meta.url));
}

export interface StreamFixture {
  file: string;
  operation: string;
  format: 'ndjson' | 'sse';
  view: ResponseView;
  /** The error the upstream reported in the stream, if any. */
  error: string | null;
}

export const STREAM_FIXTURES: StreamFixture[] = [
  {
    file: 'chat-text.ndjson',
    operation: 'chat',
    format: 'ndjson',
    error: null,
    view: {
      model: 'llama3.2',
      text: "Grüezi! In Zürich it's 21 °C and sunny ☀️ — perfect for a walk by the lake 🚣.",
      toolCalls: [],
      usage: { inputTokens: 31, outputTokens: 24 },
      finishReason: 'stop',
    },
  },
  {
    file: 'chat-tool-call.ndjson',
    operation: 'chat',
    format: 'ndjson',
    error: null,
    view: {
      model: 'qwen3:8b',
      text: '',
      toolCalls: [{ id: 'call_ymqfzoq4', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' }],
      usage: { inputTokens: 187, outputTokens: 41 },
      finishReason: 'stop',
    },
  },
  {
    file: 'chat-parallel-tool-calls.ndjson',
    operation: 'chat',
    format: 'ndjson',
    error: null,
    view: {
      model: 'llama3.1:8b',
      text: '',
      toolCalls: [
        { id: '#0.0', name: 'get_weather', arguments: '{"city":"Zürich"}' },
        { id: '#0.1', name: 'get_local_time', arguments: '{"timezone":"Europe/Zurich"}' },
        { id: '#0.2', name: 'send_email', arguments: '{"to":"ops@example.com","subject":"Weather <today> & time","body":"Zürich: ☀️"}' },
      ],
      usage: { inputTokens: 312, outputTokens: 58 },
      finishReason: 'stop',
    },
  },
  {
    file: 'chat-error-mid-stream.ndjson',
    operation: 'chat',
    format: 'ndjson',
    error: 'an error was encountered while running the model: unexpected EOF',
    view: { model: 'llama3.2', text: 'The answer is “forty', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null },
  },
  {
    file: 'generate-text.ndjson',
    operation: 'generate',
    format: 'ndjson',
    error: null,
    view: {
      model: 'llama3.2',
      text: 'The sky appears blue because of Rayleigh scattering: shorter wavelengths (~450 nm) scatter more than red ones — ça va.',
      toolCalls: [],
      usage: { inputTokens: 26, outputTokens: 25 },
      finishReason: 'stop',
    },
  },
  {
    file: 'openai-chat-usage.sse',
    operation: 'chat_completions',
    format: 'sse',
    error: null,
    view: { model: 'llama3.2', text: 'Grüezi! ☀️ 21 °C', toolCalls: [], usage: { inputTokens: 31, outputTokens: 6 }, finishReason: 'stop' },
  },
];
