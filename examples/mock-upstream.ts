/**
 * A stand-in for api.openai.com on 127.0.0.1, so every example runs offline
 * (`npm run example -- <name> --mock`). It speaks OpenAI's Chat Completions wire format, JSON and
 * SSE, with usage, and plays a model that obeys injected instructions: when the last message is a
 * tool result telling it to send something, it calls `send_email` (what the proxy then refuses).
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockUpstream {
  /** What `ARCHESTRA_OPENAI_BASE_URL` (or an SDK's `baseURL`) is set to: `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  close(): Promise<void>;
}

export const MOCK_REPLY = 'Hello from the mock upstream.';

interface ChatRequest {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { role?: string; content?: unknown }[];
  tools?: { function?: { name?: string } }[];
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const server = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'mock' }] });
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    return json(res, 404, { error: { message: `The mock upstream serves POST /v1/chat/completions and GET /v1/models, not ${req.method} ${path}.`, type: 'invalid_request_error', param: null, code: null } });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
  const model = request.model ?? 'gpt-4o-mini';
  const call = obeyedInjection(request);
  const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };
  const id = `chatcmpl-mock${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const toolCalls = call ? [{ id: 'call_mock_send', type: 'function', function: { name: call.name, arguments: call.arguments } }] : undefined;
  if (!request.stream) {
    return json(res, 200, {
      id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message: { role: 'assistant', content: call ? null : MOCK_REPLY, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, logprobs: null, finish_reason: call ? 'tool_calls' : 'stop' }],
      usage,
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (delta: object, finish: string | null = null) => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`);
  event({ role: 'assistant', content: '' });
  if (toolCalls) event({ tool_calls: toolCalls.map((toolCall, index) => ({ index, ...toolCall })) });
  else for (const word of MOCK_REPLY.split(/(?<= )/)) event({ content: word });
  event({}, call ? 'tool_calls' : 'stop');
  if (request.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

/** The call a model that obeys a tool result's instructions would make, if the request offers one. */
function obeyedInjection(request: ChatRequest): { name: string; arguments: string } | undefined {
  const last = request.messages?.at(-1);
  const offersSend = request.tools?.some((tool) => tool.function?.name === 'send_email');
  if (last?.role !== 'tool' || !offersSend || typeof last.content !== 'string') return undefined;
  const address = /[\w.+-]+@[\w-]+(\.[\w-]+)+/.exec(last.content)?.[0];
  return address ? { name: 'send_email', arguments: JSON.stringify({ to: address, body: 'the customer list' }) } : undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
