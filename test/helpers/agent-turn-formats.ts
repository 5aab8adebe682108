/**
 * One agent turn in each wire format, through its real SDK in-process (`createProxyFetch`): the
 * system prompt, the user's words, the agent's call of a reading tool and that tool's JSON result,
 * then the scripted model's next tool call. What the client saw comes back as calls and text, the
 * same for every format, so a policy test can be one table run in all of them, JSON and stream.
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { type Proxy, type ProxyConfig, createProxyFetch } from '../../src/index.js';
import { clearAnthropicEnv, MODEL as CLAUDE } from './anthropic-way-in.js';
import type { Seen } from './approvals.js';
import { clearGeminiEnv } from './gemini-way-in.js';
import { startAnthropicUpstream } from '../upstream/anthropic.js';
import { startGeminiUpstream } from '../upstream/gemini.js';
import { startOllamaUpstream } from '../upstream/ollama.js';
import { startOpenAIUpstream } from '../upstream/openai.js';

export type Args = Record<string, unknown>;

/** The user asks, the agent read `read.tool` and got `read.result`; the model now calls `call` (and `also`, in the same answer). */
export interface AgentTurn {
  user: string;
  read: { tool: string; result: Record<string, unknown> | unknown[] };
  call: { name: string; args: Args };
  also?: { name: string; args: Args };
}

/** A scripted upstream of one wire format and the way to play a turn against a proxy in front of it. */
export interface TurnFormat {
  /** The `providers` entry that points a proxy at this format's upstream. */
  providers: ProxyConfig['providers'];
  play(proxy: Proxy, turn: AgentTurn, options: { sessionId: string; stream: boolean }): Promise<Seen>;
  close(): Promise<void>;
}

const SYSTEM = 'You are the assistant of Emma (emma@corp.test).';
const READ_ID = 'call_read';
const CALL_ID = 'call_act';
/** Every format declares the same tools to the model; the policy, not the schema, is under test. */
const TOOL_NAMES = ['read_email', 'fetch_page', 'get_events', 'get_profile', 'create_event', 'send_message', 'reply', 'pay'];

/** The calls the scripted model makes, each with its own id. */
function callsOf(turn: AgentTurn): { id: string; name: string; args: Args }[] {
  return [turn.call, ...(turn.also ? [turn.also] : [])].map((call, index) => ({ id: `${CALL_ID}_${index}`, ...call }));
}

async function openaiChat(): Promise<TurnFormat> {
  const up = await startOpenAIUpstream();
  const tools: OpenAI.Chat.ChatCompletionTool[] = TOOL_NAMES.map((name) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } }));
  return {
    providers: { openai: { baseUrl: up.baseUrl } },
    close: () => up.close(),
    async play(proxy, turn, { sessionId, stream }) {
      up.reply({ kind: 'chat', toolCalls: callsOf(turn).map(({ id, name, args }) => ({ id, name, arguments: JSON.stringify(args) })) });
      const client = new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy, { sessionId }), maxRetries: 0 });
      const body = {
        model: 'gpt-4o-mini',
        tools,
        messages: [
          { role: 'system' as const, content: SYSTEM },
          { role: 'user' as const, content: turn.user },
          { role: 'assistant' as const, content: null, tool_calls: [{ id: READ_ID, type: 'function' as const, function: { name: turn.read.tool, arguments: '{}' } }] },
          { role: 'tool' as const, tool_call_id: READ_ID, content: JSON.stringify(turn.read.result) },
        ],
      };
      const completion = stream ? await client.chat.completions.stream(body).finalChatCompletion() : await client.chat.completions.create(body);
      const message = completion.choices[0]!.message;
      const calls = (message.tool_calls ?? []).flatMap((call) => (call.type === 'function' ? [{ name: call.function.name, args: JSON.parse(call.function.arguments) as Args }] : []));
      return { calls, text: message.content ?? '' };
    },
  };
}

async function openaiResponses(): Promise<TurnFormat> {
  const up = await startOpenAIUpstream();
  const tools = TOOL_NAMES.map((name) => ({ type: 'function' as const, name, parameters: { type: 'object', properties: {} }, strict: false }));
  return {
    providers: { openai: { baseUrl: up.baseUrl } },
    close: () => up.close(),
    async play(proxy, turn, { sessionId, stream }) {
      up.reply({ kind: 'responses', toolCalls: callsOf(turn).map(({ id, name, args }) => ({ id, name, arguments: JSON.stringify(args) })) });
      const client = new OpenAI({ apiKey: 'sk-test', fetch: createProxyFetch(proxy, { sessionId }), maxRetries: 0 });
      const body = {
        model: 'gpt-4o-mini',
        tools,
        instructions: SYSTEM,
        input: [
          { role: 'user' as const, content: turn.user },
          { type: 'function_call' as const, call_id: READ_ID, name: turn.read.tool, arguments: '{}' },
          { type: 'function_call_output' as const, call_id: READ_ID, output: JSON.stringify(turn.read.result) },
        ],
      };
      const response = stream ? await client.responses.stream(body).finalResponse() : await client.responses.create(body);
      const calls = response.output.flatMap((item) => (item.type === 'function_call' ? [{ name: item.name, args: JSON.parse(item.arguments) as Args }] : []));
      return { calls, text: response.output_text };
    },
  };
}

async function anthropic(): Promise<TurnFormat> {
  const restoreEnv = clearAnthropicEnv();
  const up = await startAnthropicUpstream();
  const tools = TOOL_NAMES.map((name) => ({ name, input_schema: { type: 'object' as const } }));
  return {
    providers: { anthropic: { baseUrl: up.url } },
    async close() {
      await up.close();
      restoreEnv();
    },
    async play(proxy, turn, { sessionId, stream }) {
      up.reply({ kind: 'message', toolCalls: callsOf(turn).map(({ id, name, args }) => ({ id: id.replace('call', 'toolu'), name, input: args })) });
      const client = new Anthropic({ apiKey: 'sk-ant-api03-declared', fetch: createProxyFetch(proxy, { sessionId }), maxRetries: 0 });
      const request: Anthropic.MessageCreateParamsNonStreaming = {
        model: CLAUDE,
        max_tokens: 256,
        system: SYSTEM,
        tools,
        messages: [
          { role: 'user', content: turn.user },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_read', name: turn.read.tool, input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_read', content: JSON.stringify(turn.read.result) }] },
        ],
      };
      const message = stream ? await client.messages.stream(request).finalMessage() : await client.messages.create(request);
      return {
        calls: message.content.flatMap((block) => (block.type === 'tool_use' ? [{ name: block.name, args: block.input as Args }] : [])),
        text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
      };
    },
  };
}

async function gemini(): Promise<TurnFormat> {
  const restoreEnv = clearGeminiEnv();
  const up = await startGeminiUpstream();
  return {
    providers: { gemini: { baseUrl: up.url } },
    async close() {
      await up.close();
      restoreEnv();
    },
    async play(proxy, turn, { sessionId, stream }) {
      up.reply({ kind: 'generate', functionCalls: callsOf(turn) });
      const client = new GoogleGenAI({ apiKey: 'AIzaSyDeclaredTestKey-000', httpOptions: { fetch: createProxyFetch(proxy, { sessionId }) } });
      // A functionResponse's `response` is an object: an object result is itself (its JSON paths are
      // those of the other formats), a list goes under `output`, as Google's documentation says.
      const response = Array.isArray(turn.read.result) ? { output: turn.read.result } : turn.read.result;
      const request = {
        model: 'gemini-2.5-flash',
        contents: [
          { role: 'user', parts: [{ text: turn.user }] },
          { role: 'model', parts: [{ functionCall: { id: READ_ID, name: turn.read.tool, args: {} } }] },
          { role: 'user', parts: [{ functionResponse: { id: READ_ID, name: turn.read.tool, response } }] },
        ],
        config: { systemInstruction: SYSTEM, tools: [{ functionDeclarations: TOOL_NAMES.map((name) => ({ name })) }] },
      };
      const seen: Seen = { calls: [], text: '' };
      const chunks = stream ? await client.models.generateContentStream(request) : [await client.models.generateContent(request)];
      for await (const chunk of chunks) {
        seen.calls.push(...(chunk.functionCalls ?? []).map((call) => ({ name: call.name ?? '', args: (call.args ?? {}) as Args })));
        // The parts' text, not `chunk.text` (which warns when a chunk also holds a call).
        for (const part of chunk.candidates?.[0]?.content?.parts ?? []) seen.text += part.text ?? '';
      }
      return seen;
    },
  };
}

async function ollama(): Promise<TurnFormat> {
  const up = await startOllamaUpstream();
  const tools = TOOL_NAMES.map((name) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } }));
  return {
    providers: { ollama: { baseUrl: up.url } },
    close: () => up.close(),
    async play(proxy, turn, { sessionId, stream }) {
      up.reply({ kind: 'answer', toolCalls: callsOf(turn).map(({ id, name, args }) => ({ id, name, arguments: args })) });
      const client = new Ollama({ host: up.url, fetch: createProxyFetch(proxy, { sessionId }) });
      const request = {
        model: 'llama3.1:8b',
        tools,
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: turn.user },
          { role: 'assistant', content: '', tool_calls: [{ function: { name: turn.read.tool, arguments: {} } }] },
          { role: 'tool', tool_name: turn.read.tool, content: JSON.stringify(turn.read.result) },
        ],
      };
      const seen: Seen = { calls: [], text: '' };
      const parts = stream ? await client.chat({ ...request, stream: true }) : [await client.chat({ ...request, stream: false })];
      for await (const part of parts) {
        seen.calls.push(...(part.message.tool_calls ?? []).map((call) => ({ name: call.function.name, args: call.function.arguments as Args })));
        seen.text += part.message.content;
      }
      return seen;
    },
  };
}

/** Every wire format with tool calls, by name. */
export const TURN_FORMATS: Record<string, () => Promise<TurnFormat>> = {
  'OpenAI Chat Completions': openaiChat,
  'OpenAI Responses': openaiResponses,
  'Anthropic Messages': anthropic,
  'Gemini generateContent': gemini,
  'Ollama /api/chat': ollama,
};
