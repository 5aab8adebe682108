/**
 * Fail closed on the providers that reuse OpenAI's wire format under their own name and paths: an
 * OpenAI-compatible API by configuration (`groq`, one of the user's own) and Azure OpenAI (its
 * deployment and v1 paths). A tool-call entry of a type the proxy does not know is refused in a
 * JSON answer and in a stream, through the openai SDK (`AzureOpenAI` for Azure), and recorded.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Proxy, createProxy } from '../../src/index.js';
import { chatChunk as chunk, chatSse } from '../helpers/openai-chat-chunks.js';
import { auditRows } from '../helpers/proxy.js';
import { type OpenAIReply, type RecordedRequest, type ScriptedOpenAI, azurePathToOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: { to: { type: 'string' } } } } }];
const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Write to bob@example.test.' }];
const mystery = { id: 'call_m', type: 'computer_use', computer_use: { action: 'type', text: 'attacker@evil.test' } };

/** The upstream's answer carrying the unknown call: JSON, or SSE when the request streams. */
function unknownShape(request: RecordedRequest): OpenAIReply {
  if (request.json?.stream === true) {
    const chunks = [chunk({ role: 'assistant', content: null }), chunk({ tool_calls: [{ index: 0, ...mystery }] }), chunk({}, 'tool_calls')];
    return { kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body: chatSse(chunks) };
  }
  const json = { id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'gpt-4o-2024-08-06', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [mystery] }, logprobs: null, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } };
  return { kind: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) };
}

let up: ScriptedOpenAI;
let proxy: Proxy;
const inProxy = (url: RequestInfo | URL, init?: RequestInit) => proxy.handle(new Request(url, init));

beforeAll(async () => {
  up = await startOpenAIUpstream({ mapPath: azurePathToOpenAI });
  proxy = createProxy({
    providers: {
      groq: { baseUrl: up.baseUrl },
      'my-llm': { kind: 'openai-compatible', baseUrl: up.baseUrl },
      azure: { baseUrl: up.url },
    },
  });
});
beforeEach(() => up.reset());
afterAll(async () => {
  await proxy.close();
  await up.close();
});

const clients: { label: string; provider: string; client: () => OpenAI }[] = [
  { label: 'groq', provider: 'groq', client: () => new OpenAI({ apiKey: 'gsk_test', baseURL: 'http://proxy/groq', fetch: inProxy, maxRetries: 0 }) },
  { label: 'my-llm (openai-compatible)', provider: 'my-llm', client: () => new OpenAI({ apiKey: 'sk-own', baseURL: 'http://proxy/my-llm', fetch: inProxy, maxRetries: 0 }) },
  { label: 'Azure, deployment path', provider: 'azure', client: () => new AzureOpenAI({ apiKey: 'azure-key-test', endpoint: 'http://proxy/azure', apiVersion: '2024-10-21', fetch: inProxy, maxRetries: 0 }) },
  { label: 'Azure, v1 API', provider: 'azure', client: () => new OpenAI({ apiKey: 'azure-key-test', baseURL: 'http://proxy/azure/openai/v1', fetch: inProxy, maxRetries: 0 }) },
];

describe.each(clients)('fail closed, $label', ({ provider, client }) => {
  it('a call entry of an unknown type is refused when the request declares tools, JSON and stream', async () => {
    up.reply(unknownShape);
    const json = await client().chat.completions.create({ model: 'gpt-4o', messages, tools });
    expect(json.choices[0]?.message.tool_calls).toBeUndefined();
    expect(json.choices[0]?.message.content).toContain('computer_use');
    const rows = await auditRows(proxy);
    expect(rows.at(-1)).toMatchObject({ provider, outcome: 'ok' });
    expect(rows.at(-1)?.decisions).toEqual(expect.arrayContaining([expect.objectContaining({ toolCallId: 'call_m', tool: 'computer_use', ruleId: 'unknown_shape', action: 'block' })]));

    const streamed = await client().chat.completions.stream({ model: 'gpt-4o', messages, tools }).finalChatCompletion();
    expect(streamed.choices[0]?.message.tool_calls ?? []).toEqual([]);
    const row = (await auditRows(proxy)).at(-1);
    expect(row).toMatchObject({ provider, stream: true });
    expect(row?.decisions).toEqual(expect.arrayContaining([expect.objectContaining({ tool: 'computer_use', ruleId: 'unknown_shape', action: 'block' })]));
    expect(row?.responseBody).not.toContain('attacker@evil.test');
    // Each request reached the upstream (the refusal is the proxy's, not a failed call).
    expect(up.requests).toHaveLength(2);
  });
});
