/**
 * A scripted Anthropic upstream for end-to-end tests: a plain `node:http` server on 127.0.0.1:0
 * speaking Anthropic's real wire format (Messages JSON and named-event SSE, count_tokens, models,
 * Anthropic error bodies). Like the real API it refuses a request without a key (401) or without
 * `anthropic-version` (400).
 *
 *   const up = await startAnthropicUpstream();
 *   up.reply({ kind: 'message', text: 'hi' }, { splitBytes: 7 });
 *   // ... point the proxy (or an SDK, baseURL = up.url) at it ...
 *   expect(up.requests[0]!.headers['x-api-key']).toBe('sk-ant-...');
 *   await up.close();
 */
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, type ReplyScriptOf, type ScriptedUpstream, createReplies, scriptedUpstream, startScriptedServer } from './scripted-server.js';
import {
  type AnthropicReply, anthropicError, countTokens, DEFAULT_MESSAGE_REPLY, hex, messageBody, MODELS, modelsPage, streamEvents,
} from './anthropic-wire.js';

export * from './anthropic-wire.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type { RecordedRequest } from './scripted-server.js';

/** Pacing for streamed replies (`stream: true`) and raw bodies. */
export interface StreamOptions {
  /** Wait this long between writes (with splitBytes / splitAt alone, writes are one event-loop turn apart). */
  chunkDelayMs?: number;
  /** Write the bytes in pieces of this many bytes, splitting events and UTF-8 characters. */
  splitBytes?: number;
  /** Write the bytes in pieces cut at these byte offsets. */
  splitAt?: number[];
  /** Send this many events, then never finish: the socket stays open until the client goes away. */
  hangAfterEvents?: number;
}

export type ReplyScript = ReplyScriptOf<AnthropicReply>;

/** `url` is what an Anthropic SDK `baseURL` is (it appends `/v1/...`). */
export type ScriptedAnthropic = ScriptedUpstream<AnthropicReply, StreamOptions>;

/** Cuts `bytes` as the options say; one piece when they say nothing. */
function pieces(bytes: Buffer, opts: StreamOptions): Buffer[] {
  if (opts.splitAt) {
    const cuts = [0, ...opts.splitAt.filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b), bytes.length];
    return cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end));
  }
  if (opts.splitBytes && opts.splitBytes > 0) {
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += opts.splitBytes) out.push(bytes.subarray(i, i + opts.splitBytes));
    return out;
  }
  return [bytes];
}

export async function startAnthropicUpstream(): Promise<ScriptedAnthropic> {
  const replies = createReplies<AnthropicReply, StreamOptions>(DEFAULT_MESSAGE_REPLY);

  /** Writes `text` paced as `opts` says; false when the client went away first. */
  async function write(res: ServerResponse, parts: string[], opts: StreamOptions): Promise<boolean> {
    const split = opts.splitAt !== undefined || opts.splitBytes !== undefined;
    const chunks = split ? pieces(Buffer.from(parts.join(''), 'utf8'), opts) : parts;
    const paced = split || opts.chunkDelayMs !== undefined;
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0 && paced) await (opts.chunkDelayMs ? sleep(opts.chunkDelayMs) : new Promise<void>((resolve) => setImmediate(resolve)));
      if (res.destroyed) return false;
      res.write(chunk);
    }
    return !res.destroyed;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) {
    res.writeHead(status, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async function handleMessages(req: RecordedRequest, res: ServerResponse, headers: Record<string, string>) {
    if (req.json === null || typeof req.json !== 'object') return sendJson(res, 400, anthropicError('invalid_request_error', 'There was an issue with your request body.'), headers);
    const { reply, options: opts } = replies.next(req);
    if (reply.kind === 'error') return sendJson(res, reply.status, reply.body, { ...headers, ...reply.headers });
    if (reply.kind === 'raw') {
      res.writeHead(reply.status, { ...headers, ...reply.headers });
      if (await write(res, [reply.body], opts)) res.end();
      return;
    }
    const model = reply.model ?? (typeof req.json.model === 'string' ? req.json.model : 'claude-sonnet-4-6');
    if (req.json.stream !== true) return sendJson(res, 200, messageBody(reply, model), headers);
    let events = streamEvents(reply, model);
    const hang = opts.hangAfterEvents !== undefined;
    if (hang) events = events.slice(0, opts.hangAfterEvents);
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    if ((await write(res, events, opts)) && !hang) res.end();
  }

  function route(req: RecordedRequest, res: ServerResponse, headers: Record<string, string>) {
    const path = req.path.split('?')[0]!;
    if (!req.headers['x-api-key'] && !req.headers['authorization']) {
      return sendJson(res, 401, anthropicError('authentication_error', 'x-api-key header is required'), headers);
    }
    if (!req.headers['anthropic-version']) return sendJson(res, 400, anthropicError('invalid_request_error', 'anthropic-version: header is required'), headers);
    if (req.method === 'POST' && path === '/v1/messages') return handleMessages(req, res, headers);
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: countTokens(req.json ?? {}) }, headers);
    if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, modelsPage(), headers);
    const model = /^\/v1\/models\/([^/]+)$/.exec(path)?.[1];
    if (req.method === 'GET' && model !== undefined) {
      const found = MODELS.find((m) => m.id === decodeURIComponent(model));
      return found ? sendJson(res, 200, found, headers) : sendJson(res, 404, anthropicError('not_found_error', `model: ${decodeURIComponent(model)}`), headers);
    }
    return sendJson(res, 404, anthropicError('not_found_error', 'Not Found'), headers);
  }

  const server = await startScriptedServer(
    'Anthropic',
    (rec, res) => route(rec, res, { 'request-id': `req_${hex(12)}`, 'anthropic-organization-id': 'org-scripted', via: '1.1 scripted' }),
    (res, error) => sendJson(res, 500, anthropicError('api_error', `scripted upstream failed: ${String(error)}`), {}),
  );

  return scriptedUpstream(server, replies);
}
