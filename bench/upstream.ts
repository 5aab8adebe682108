/**
 * The benchmark's OpenAI upstream, run as its own child process so it never shares an event loop
 * with the client or the proxy. Prints `LISTENING <port>` once ready.
 *
 * POST /v1/chat/completions
 *   - `stream` absent or false: one fixed chat.completion JSON, no delay (the "chat" and "tools"
 *     workloads get the same reply: the tools request carries a function, the reply calls none).
 *   - `stream: true`: 20 content events 10 ms apart, then a finish event (and a usage event when
 *     `stream_options.include_usage`), then `[DONE]`. Each content event carries
 *     `x_bench_sent_us`: the monotonic clock (shared by all processes on the machine) when it was
 *     written, so a client can measure each chunk's one-way delay.
 *   - `model: "bench-hold"` with `stream: true`: one content event, then the stream is held open
 *     until the client goes away (the 1,000-open-streams memory test).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOLD_MODEL, STREAM_EVENTS, STREAM_GAP_MS } from './lib/workloads.js';

const CREATED = 1_700_000_000;
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench0000000000000000000000',
  object: 'chat.completion',
  created: CREATED,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 },
  service_tier: 'default',
  system_fingerprint: 'fp_bench',
});
const COMMON_HEADERS = { 'x-request-id': 'req_bench', 'openai-processing-ms': '1', 'openai-version': '2020-10-01' };
const JSON_HEADERS = { ...COMMON_HEADERS, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(COMPLETION)) };
const SSE_HEADERS = { ...COMMON_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function chunk(delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): string {
  const payload = { id: 'chatcmpl-bench0000000000000000000000', object: 'chat.completion.chunk', created: CREATED, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_bench', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra };
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function contentEvent(i: number): string {
  const delta = i === 0 ? { role: 'assistant', content: 'tok0' } : { content: ` tok${i}` };
  return chunk(delta, null, { x_bench_sent_us: nowUs() });
}

function stream(res: ServerResponse, includeUsage: boolean, hold: boolean): void {
  res.writeHead(200, SSE_HEADERS);
  res.write(contentEvent(0));
  if (hold) return; // open until the client goes away
  const start = performance.now();
  let i = 1;
  const next = () => {
    if (res.destroyed) return;
    res.write(contentEvent(i));
    i++;
    if (i < STREAM_EVENTS) {
      setTimeout(next, Math.max(0, start + i * STREAM_GAP_MS - performance.now()));
      return;
    }
    let tail = chunk({}, 'stop');
    if (includeUsage) tail += `data: ${JSON.stringify({ id: 'chatcmpl-bench0000000000000000000000', object: 'chat.completion.chunk', created: CREATED, model: 'gpt-4o-mini-2024-07-18', choices: [], usage: { prompt_tokens: 19, completion_tokens: STREAM_EVENTS, total_tokens: 19 + STREAM_EVENTS } })}\n\n`;
    res.end(`${tail}data: [DONE]\n\n`);
  };
  setTimeout(next, STREAM_GAP_MS);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    let body: { stream?: boolean; model?: string; stream_options?: { include_usage?: boolean } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json","type":"invalid_request_error"}}');
      return;
    }
    if (body.stream === true) return stream(res, body.stream_options?.include_usage === true, body.model === HOLD_MODEL);
    res.writeHead(200, JSON_HEADERS).end(COMPLETION);
  });
}

const server = createServer({ keepAlive: true, noDelay: true, requestTimeout: 0 }, handle);
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
