/**
 * The scripted OpenAI upstream's newer endpoints (mounted by ./openai.ts): the Responses API
 * (create as JSON or typed SSE, retrieve (also as a replayed stream), delete, cancel, input items),
 * Embeddings and legacy Completions. Replies come from the same script as chat
 * (`up.reply(...)` / `up.replyOnce(...)`); a 'chat' reply is rendered in each endpoint's format.
 */
import type { ServerResponse } from 'node:http';
import type { RecordedRequest, StreamOptions } from './openai.js';
import {
  embeddingsBody, encodeEvents, finalResponse, inputItems, responseObject, responsesEvents, type SseEvent,
  textCompletionBody, textCompletionChunks,
} from './openai-responses-wire.js';
import { hex, type OpenAIReply, openAIError } from './openai-wire.js';

export interface EndpointDeps {
  /** The next scripted reply (a one-shot one first) and its pacing. */
  nextReply(req: RecordedRequest): { reply: OpenAIReply; stream: StreamOptions };
  /** Writes paced pieces; false when the client went away. */
  writeParts(res: ServerResponse, parts: string[], opts: StreamOptions): Promise<boolean>;
  sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void;
}

interface Stored {
  request: any;
  response: Record<string, any>;
  events: SseEvent[];
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' };

export function createResponsesEndpoints(deps: EndpointDeps) {
  const stored = new Map<string, Stored>();
  const notFound = (responseId: string) => openAIError(`Response with id '${responseId}' not found.`, 'invalid_request_error');

  async function stream(res: ServerResponse, parts: string[], opts: StreamOptions, headers: Record<string, string>) {
    const hang = opts.hangAfterEvents !== undefined;
    res.writeHead(200, { ...headers, ...SSE_HEADERS });
    res.flushHeaders();
    if ((await deps.writeParts(res, hang ? parts.slice(0, opts.hangAfterEvents) : parts, opts)) && !hang) res.end();
  }

  /** Answers an error or raw reply; true when it did. */
  async function special(reply: OpenAIReply, res: ServerResponse, opts: StreamOptions, headers: Record<string, string>): Promise<boolean> {
    if (reply.kind === 'error') {
      deps.sendJson(res, reply.status, reply.body, { ...headers, ...reply.headers });
      return true;
    }
    if (reply.kind === 'raw') {
      res.writeHead(reply.status, { ...headers, ...reply.headers });
      if (await deps.writeParts(res, [reply.body], opts)) res.end();
      return true;
    }
    return false;
  }

  async function create(req: RecordedRequest, res: ServerResponse, headers: Record<string, string>) {
    const { reply, stream: opts } = deps.nextReply(req);
    if (await special(reply, res, opts, headers)) return;
    if (reply.kind !== 'responses' && reply.kind !== 'chat') return deps.sendJson(res, 500, openAIError(`scripted upstream: a '${reply.kind}' reply on /v1/responses`, 'server_error'), headers);
    const model = reply.model ?? req.json.model ?? 'gpt-4o-mini';
    const responseId = `resp_${hex(24)}`;
    const events = responsesEvents(reply, responseId, model, req.json);
    const response = finalResponse(reply, responseId, model, req.json);
    if (req.json.store !== false) stored.set(responseId, { request: req.json, response, events });
    if (req.json.stream === true) return stream(res, encodeEvents(events), opts, headers);
    if (reply.kind === 'responses' && (reply.end === 'error' || reply.end === 'cut')) {
      return deps.sendJson(res, 500, openAIError('The server had an error while processing your request.', 'server_error'), headers);
    }
    // A background response is queued; retrieving it later finds it done.
    if (req.json.background === true) return deps.sendJson(res, 200, responseObject(responseId, model, req.json, { status: 'queued', output: [], usage: null }), headers);
    deps.sendJson(res, 200, response, headers);
  }

  async function withStored(path: string, method: string, req: RecordedRequest, res: ServerResponse, headers: Record<string, string>) {
    const [, responseId, action] = /^\/v1\/responses\/([^/]+)(?:\/([a-z_]+))?$/.exec(path) ?? [];
    const entry = responseId ? stored.get(responseId) : undefined;
    if (!responseId || !entry) return deps.sendJson(res, 404, notFound(responseId ?? ''), headers);
    if (method === 'GET' && action === undefined) {
      const query = new URLSearchParams(req.path.split('?')[1] ?? '');
      if (query.get('stream') !== 'true') return deps.sendJson(res, 200, entry.response, headers);
      const after = Number(query.get('starting_after') ?? -1);
      return stream(res, encodeEvents(entry.events.filter((event) => (event.data.sequence_number as number) > after)), {}, headers);
    }
    if (method === 'DELETE' && action === undefined) {
      stored.delete(responseId);
      return deps.sendJson(res, 200, { id: responseId, object: 'response', deleted: true }, headers);
    }
    if (method === 'POST' && action === 'cancel') {
      if (entry.request.background !== true) return deps.sendJson(res, 400, openAIError('Only responses created with background=true can be cancelled.', 'invalid_request_error'), headers);
      entry.response = { ...entry.response, status: 'cancelled', output: [], usage: null };
      return deps.sendJson(res, 200, entry.response, headers);
    }
    if (method === 'GET' && action === 'input_items') {
      const data = inputItems(entry.request).reverse();
      return deps.sendJson(res, 200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false }, headers);
    }
    deps.sendJson(res, 404, openAIError(`Invalid URL (${method} ${path})`), headers);
  }

  async function embeddings(req: RecordedRequest, res: ServerResponse, headers: Record<string, string>) {
    const { reply, stream: opts } = deps.nextReply(req);
    if (await special(reply, res, opts, headers)) return;
    if (req.json?.input === undefined) return deps.sendJson(res, 400, openAIError("'input' is a required property"), headers);
    deps.sendJson(res, 200, embeddingsBody(req.json, reply.kind === 'embeddings' ? reply : null), headers);
  }

  async function completions(req: RecordedRequest, res: ServerResponse, headers: Record<string, string>) {
    const { reply, stream: opts } = deps.nextReply(req);
    if (await special(reply, res, opts, headers)) return;
    if (reply.kind !== 'chat') return deps.sendJson(res, 500, openAIError(`scripted upstream: a '${reply.kind}' reply on /v1/completions`, 'server_error'), headers);
    const model = reply.model ?? req.json.model ?? 'gpt-3.5-turbo-instruct';
    if (req.json.stream !== true) return deps.sendJson(res, 200, textCompletionBody(reply, model), headers);
    const chunks = textCompletionChunks(reply, model, req.json.stream_options?.include_usage === true);
    return stream(res, chunks.map((data) => `data: ${data}\n\n`), opts, headers);
  }

  return {
    /** Serves the request if it is one of these endpoints; false otherwise. */
    async handle(req: RecordedRequest, res: ServerResponse, headers: Record<string, string>): Promise<boolean> {
      const path = req.path.split('?')[0]!;
      const badJson = req.json === null || typeof req.json !== 'object';
      if (req.method === 'POST' && ['/v1/responses', '/v1/embeddings', '/v1/completions'].includes(path) && badJson) {
        deps.sendJson(res, 400, openAIError('We could not parse the JSON body of your request.'), headers);
        return true;
      }
      if (req.method === 'POST' && path === '/v1/responses') await create(req, res, headers);
      else if (path.startsWith('/v1/responses/')) await withStored(path, req.method, req, res, headers);
      else if (req.method === 'POST' && path === '/v1/embeddings') await embeddings(req, res, headers);
      else if (req.method === 'POST' && path === '/v1/completions') await completions(req, res, headers);
      else return false;
      return true;
    },
    /** Forgets stored responses. */
    reset() {
      stored.clear();
    },
  };
}
