/**
 * A scripted OpenAI upstream for end-to-end tests: a plain `node:http` server on
 * 127.0.0.1:0 that speaks OpenAI's real wire format (chat.completion JSON,
 * chat.completion.chunk SSE, /v1/models, OpenAI error bodies; the Responses API, Embeddings and
 * legacy Completions in ./openai-responses.ts).
 *
 *   const up = await startOpenAIUpstream();
 *   up.reply({ kind: 'chat', content: 'hi' }, { splitBytes: 7 });
 *   // ... point the proxy (or an SDK) at up.baseUrl ...
 *   expect(up.requests[0]!.json.model).toBe('gpt-4o-mini');
 *   await up.close();
 */
import type { ServerResponse } from 'node:http';
import {
  chunkPayloads, completionBody, DEFAULT_CHAT_REPLY, hex, MODELS, openAIError, type OpenAIReply,
} from './openai-wire.js';
import { createResponsesEndpoints } from './openai-responses.js';
import { type RecordedRequest, type ReplyScriptOf, type ScriptedUpstream, createReplies, scriptedUpstream, startScriptedServer } from './scripted-server.js';

export * from './openai-wire.js';
export * from './openai-responses-wire.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type { RecordedRequest } from './scripted-server.js';

/** Pacing for streamed chat replies (request has `stream: true`) and raw bodies. */
export interface StreamOptions {
  /** Wait this long between writes (events, or byte pieces with splitBytes; with splitBytes alone, pieces are one event-loop turn apart). */
  chunkDelayMs?: number;
  /** Write the SSE bytes in pieces of this many bytes, splitting events and UTF-8 characters. */
  splitBytes?: number;
  /** Send this many SSE events, then never finish: the socket stays open until the client goes away. */
  hangAfterEvents?: number;
}

export type ReplyScript = ReplyScriptOf<OpenAIReply>;

export interface ScriptedOpenAI extends ScriptedUpstream<OpenAIReply, StreamOptions> {
  /** url + '/v1' — what an OpenAI SDK `baseURL` would be. */
  baseUrl: string;
}

export interface OpenAIUpstreamOptions {
  /**
   * Maps the request path to OpenAI's own before it is served (an API that serves OpenAI's
   * format under other paths, such as Azure's `/openai/deployments/{d}/chat/completions`); the
   * recorded request keeps the path as it came.
   */
  mapPath?: (path: string) => string;
}

/** Azure OpenAI's paths (deployment, dated and v1 API) to OpenAI's: `upstream.mapPath`. */
export function azurePathToOpenAI(path: string): string {
  return path.replace(/^\/openai\/deployments\/[^/]+\//, '/v1/').replace(/^\/openai\/v1\//, '/v1/').replace(/^\/openai\//, '/v1/');
}

export async function startOpenAIUpstream(options: OpenAIUpstreamOptions = {}): Promise<ScriptedOpenAI> {
  const replies = createReplies<OpenAIReply, StreamOptions>(DEFAULT_CHAT_REPLY);

  /** Write `parts` with pacing; stop early if the client went away. Returns true when all were written. */
  async function writeParts(res: ServerResponse, parts: string[], opts: StreamOptions): Promise<boolean> {
    const pieces: (string | Buffer)[] = [];
    if (opts.splitBytes && opts.splitBytes > 0) {
      const buf = Buffer.from(parts.join(''), 'utf8');
      for (let i = 0; i < buf.length; i += opts.splitBytes) pieces.push(buf.subarray(i, i + opts.splitBytes));
    } else pieces.push(...parts);
    const paced = opts.chunkDelayMs !== undefined || opts.splitBytes !== undefined;
    for (const [i, p] of pieces.entries()) {
      if (res.destroyed) return false;
      // chunkDelayMs, else at least one event-loop turn so each piece is its own socket write
      if (i > 0 && paced) await (opts.chunkDelayMs ? sleep(opts.chunkDelayMs) : new Promise<void>((r) => setImmediate(r)));
      if (res.destroyed) return false;
      res.write(p);
    }
    return !res.destroyed;
  }

  function nextReply(req: RecordedRequest): { reply: OpenAIReply; stream: StreamOptions } {
    const { reply, options } = replies.next(req);
    return { reply, stream: options };
  }

  async function handleChat(req: RecordedRequest, res: ServerResponse, headers: Record<string, string>) {
    if (req.json === null || typeof req.json !== 'object') {
      return sendJson(res, 400, openAIError('We could not parse the JSON body of your request.'), headers);
    }
    const { reply, stream: opts } = nextReply(req);
    if (reply.kind === 'error') return sendJson(res, reply.status, reply.body, { ...headers, ...reply.headers });
    if (reply.kind === 'raw') {
      res.writeHead(reply.status, { ...headers, ...reply.headers });
      if (await writeParts(res, [reply.body], opts)) res.end();
      return;
    }
    if (reply.kind !== 'chat') return sendJson(res, 500, openAIError(`scripted upstream: a '${reply.kind}' reply on /v1/chat/completions`, 'server_error'), headers);
    const model = reply.model ?? (typeof req.json.model === 'string' ? req.json.model : 'gpt-4o-mini');
    if (req.json.stream !== true) return sendJson(res, 200, completionBody(reply, model), headers);

    const includeUsage = req.json.stream_options?.include_usage === true;
    let events = chunkPayloads(reply, model, includeUsage).map((d) => `data: ${d}\n\n`);
    const hang = opts.hangAfterEvents !== undefined;
    if (hang) events = events.slice(0, opts.hangAfterEvents);
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    if ((await writeParts(res, events, opts)) && !hang) res.end();
    // when hanging: leave `res` open until the client goes away (or close()).
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) {
    res.writeHead(status, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  // /v1/responses, /v1/embeddings, /v1/completions: see ./openai-responses.ts.
  const endpoints = createResponsesEndpoints({ nextReply, writeParts, sendJson });

  const server = await startScriptedServer(
    'OpenAI',
    async (recorded, res) => {
      const rec = options.mapPath ? { ...recorded, path: options.mapPath(recorded.path) } : recorded;
      const started = Date.now();
      const replyHeaders = {
        'x-request-id': `req_${hex(16)}`,
        'openai-processing-ms': String(Math.max(1, Date.now() - started)),
        'openai-version': '2020-10-01',
      };
      const path = rec.path.split('?')[0];
      if (rec.method === 'POST' && path === '/v1/chat/completions') return await handleChat(rec, res, replyHeaders);
      if (rec.method === 'GET' && path === '/v1/models') {
        const created = 1_700_000_000;
        return sendJson(res, 200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created, owned_by: 'openai' })) }, replyHeaders);
      }
      if (await endpoints.handle(rec, res, replyHeaders)) return;
      sendJson(res, 404, openAIError(`Invalid URL (${rec.method} ${path})`), replyHeaders);
    },
    (res, err) => sendJson(res, 500, openAIError(`scripted upstream failed: ${String(err)}`, 'server_error'), {}),
  );
  return Object.assign(scriptedUpstream(server, replies, () => endpoints.reset()), { baseUrl: `${server.url}/v1` });
}
