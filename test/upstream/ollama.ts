/**
 * A scripted Ollama upstream for end-to-end tests: a plain `node:http` server on 127.0.0.1:0
 * speaking Ollama's real wire format. Native: `/api/chat` and `/api/generate` (NDJSON streams
 * unless the request says `"stream": false`, as Ollama does), `/api/tags`, `/api/show`,
 * `/api/embed`, `{"error": "..."}` bodies, gin's plain-text 404. OpenAI-compatible:
 * `/v1/chat/completions` (JSON and SSE), `/v1/models`.
 *
 *   const up = await startOllamaUpstream();
 *   up.reply({ kind: 'answer', content: 'hi' }, { splitBytes: 7 });
 *   new Ollama({ host: up.url });
 *   expect(up.requests[0]!.json.model).toBe('llama3.2');
 */
import type { ServerResponse } from 'node:http';
import {
  type AnswerReply, answerBody, answerLines, compatCompletion, compatEvents, DEFAULT_OLLAMA_REPLY, embedBody, goJson, OLLAMA_MODELS, type OllamaReply, ollamaError, showBody, tagsBody,
} from './ollama-wire.js';
import { hex, openAIError } from './openai-wire.js';
import type { StreamOptions } from './openai.js';
import { type RecordedRequest, type ReplyScriptOf, type ScriptedUpstream, createReplies, scriptedUpstream, startScriptedServer } from './scripted-server.js';

export * from './ollama-wire.js';
export type { RecordedRequest, StreamOptions } from './openai.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface OllamaStreamOptions extends StreamOptions {
  /** Write the body in pieces cut at these byte offsets (a replay at chosen split points). */
  splitAt?: number[];
}

export type OllamaReplyScript = ReplyScriptOf<OllamaReply>;

/** `url` is what the ollama client's `host` (and the proxy's baseUrl) is; replies serve `/api/chat`, `/api/generate` and `/v1/chat/completions`. */
export type ScriptedOllama = ScriptedUpstream<OllamaReply, OllamaStreamOptions>;

/** Cuts `body` into the pieces `options` asks for (whole when it asks for none). */
function pieces(body: Buffer, options: OllamaStreamOptions, parts: string[]): (string | Buffer)[] {
  if (options.splitAt) {
    const cuts = [0, ...options.splitAt.filter((at) => at > 0 && at < body.length).sort((a, b) => a - b), body.length];
    return cuts.slice(1).map((end, index) => body.subarray(cuts[index], end));
  }
  if (options.splitBytes && options.splitBytes > 0) {
    const out: Buffer[] = [];
    for (let at = 0; at < body.length; at += options.splitBytes) out.push(body.subarray(at, at + options.splitBytes));
    return out;
  }
  return parts;
}

export async function startOllamaUpstream(): Promise<ScriptedOllama> {
  const replies = createReplies<OllamaReply, OllamaStreamOptions>(DEFAULT_OLLAMA_REPLY);

  /** Writes the parts with the pacing asked for; stops if the client went away. True when all were written. */
  async function write(res: ServerResponse, parts: string[], options: OllamaStreamOptions): Promise<boolean> {
    const all = pieces(Buffer.from(parts.join(''), 'utf8'), options, parts);
    const paced = options.chunkDelayMs !== undefined || options.splitBytes !== undefined || options.splitAt !== undefined;
    for (const [index, piece] of all.entries()) {
      if (res.destroyed) return false;
      if (index > 0 && paced) await (options.chunkDelayMs ? sleep(options.chunkDelayMs) : new Promise<void>((resolve) => setImmediate(resolve)));
      if (res.destroyed) return false;
      res.write(piece);
    }
    return !res.destroyed;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(goJson(body));
  }

  async function answer(request: RecordedRequest, res: ServerResponse, operation: 'chat' | 'generate' | 'compat') {
    const compat = operation === 'compat';
    if (request.json === null || typeof request.json !== 'object') {
      return compat ? sendJson(res, 400, openAIError('invalid request body')) : sendJson(res, 400, ollamaError('invalid character in request body'));
    }
    const { reply, options } = replies.next(request);
    if (reply.kind === 'error') return sendJson(res, reply.status, reply.body, reply.headers);
    if (reply.kind === 'raw') {
      res.writeHead(reply.status, reply.headers);
      const body = typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
      if (await write(res, [body], options)) res.end();
      return;
    }
    const model = reply.model ?? (typeof request.json.model === 'string' ? request.json.model : 'llama3.2');
    // Ollama streams unless told not to; its OpenAI-compatible endpoint only when asked.
    const stream = compat ? request.json.stream === true : request.json.stream !== false;
    if (!stream) return sendJson(res, 200, compat ? compatCompletion(reply, model) : answerBody(operation as 'chat' | 'generate', reply, model));
    let parts = compat ? compatEvents(reply, model, request.json.stream_options?.include_usage === true) : answerLines(operation as 'chat' | 'generate', reply as AnswerReply, model);
    const hang = options.hangAfterEvents !== undefined;
    if (hang) parts = parts.slice(0, options.hangAfterEvents);
    res.writeHead(200, compat ? { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' } : { 'content-type': 'application/x-ndjson' });
    res.flushHeaders();
    if ((await write(res, parts, options)) && !hang) res.end();
  }

  async function route(request: RecordedRequest, res: ServerResponse) {
    const path = request.path.split('?')[0];
    const model = typeof request.json?.model === 'string' ? request.json.model : typeof request.json?.name === 'string' ? request.json.name : '';
    const known = (name: string) => OLLAMA_MODELS.includes(name) || OLLAMA_MODELS.includes(`${name}:latest`);
    switch (`${request.method} ${path}`) {
      case 'POST /api/chat':
        return answer(request, res, 'chat');
      case 'POST /api/generate':
        return answer(request, res, 'generate');
      case 'POST /v1/chat/completions':
        return answer(request, res, 'compat');
      case 'GET /api/tags':
        return sendJson(res, 200, tagsBody());
      case 'POST /api/show':
        return known(model) ? sendJson(res, 200, showBody(model)) : sendJson(res, 404, ollamaError(`model '${model}' not found`));
      case 'POST /api/embed':
        return sendJson(res, 200, embedBody(model, request.json?.input));
      case 'GET /v1/models':
        return sendJson(res, 200, { object: 'list', data: OLLAMA_MODELS.map((id) => ({ id, object: 'model', created: 1_759_305_600, owned_by: 'library' })) });
      default:
        // Ollama's router (gin) answers an unknown path in plain text.
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found');
    }
  }

  const server = await startScriptedServer('Ollama', route, (res, error) => sendJson(res, 500, ollamaError(`scripted upstream failed: ${String(error)} (${hex(4)})`)));

  return scriptedUpstream(server, replies);
}
