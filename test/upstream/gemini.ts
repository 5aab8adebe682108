/**
 * A scripted Gemini API upstream for end-to-end tests: a plain `node:http` server on 127.0.0.1:0
 * speaking the real wire format (`generateContent` JSON, `streamGenerateContent?alt=sse` events
 * with no terminator, or a JSON array without `alt=sse`; countTokens, embedContent,
 * batchEmbedContents, models; Google's error bodies) under `/v1beta` and `/v1`. Like the real API
 * it refuses a call without a key (`x-goog-api-key` or `?key=`) with 403 PERMISSION_DENIED.
 *
 *   const up = await startGeminiUpstream();
 *   up.reply({ kind: 'generate', text: 'hi' }, { splitBytes: 7 });
 *   // new GoogleGenAI({ apiKey, httpOptions: { baseUrl: up.url } })
 *   expect(up.requests[0]!.headers['x-goog-api-key']).toBe('AIza...');
 *   await up.close();
 */
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, type ReplyScriptOf, type ScriptedUpstream, createReplies, scriptedUpstream, startScriptedServer } from './scripted-server.js';
import {
  countTokensOf, DEFAULT_GENERATE_REPLY, embeddingOf, type GeminiReply, geminiError, generateBody, MODELS, sseEvents, streamArrayBody,
} from './gemini-wire.js';

export * from './gemini-wire.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type { RecordedRequest } from './scripted-server.js';

/** Pacing for streamed replies and raw bodies. */
export interface StreamOptions {
  /** Wait this long between writes (with splitBytes alone, writes are one event-loop turn apart). */
  chunkDelayMs?: number;
  /** Write the bytes in pieces of this many bytes, splitting events and UTF-8 characters. */
  splitBytes?: number;
  /** Send this many events, then never finish: the socket stays open until the client goes away. */
  hangAfterEvents?: number;
}

export type ReplyScript = ReplyScriptOf<GeminiReply>;

/** `url` is what `httpOptions.baseUrl` (and the proxy's gemini baseUrl) is. */
export type ScriptedGemini = ScriptedUpstream<GeminiReply, StreamOptions>;

const PATH = /^\/(v1beta|v1)\/models(?:\/([A-Za-z0-9._-]+)(?::(\w+))?)?$/;
const JSON_TYPE = 'application/json; charset=UTF-8';

export async function startGeminiUpstream(): Promise<ScriptedGemini> {
  const replies = createReplies<GeminiReply, StreamOptions>(DEFAULT_GENERATE_REPLY);

  async function writeParts(res: ServerResponse, parts: string[], options: StreamOptions): Promise<boolean> {
    const pieces: (string | Buffer)[] = [];
    if (options.splitBytes && options.splitBytes > 0) {
      const bytes = Buffer.from(parts.join(''), 'utf8');
      for (let i = 0; i < bytes.length; i += options.splitBytes) pieces.push(bytes.subarray(i, i + options.splitBytes));
    } else pieces.push(...parts);
    const paced = options.chunkDelayMs !== undefined || options.splitBytes !== undefined;
    for (const [i, piece] of pieces.entries()) {
      if (res.destroyed) return false;
      if (i > 0 && paced) await (options.chunkDelayMs ? sleep(options.chunkDelayMs) : new Promise<void>((resolve) => setImmediate(resolve)));
      if (res.destroyed) return false;
      res.write(piece);
    }
    return !res.destroyed;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': JSON_TYPE, ...headers });
    res.end(JSON.stringify(body, null, 2));
  }

  async function generate(req: RecordedRequest, res: ServerResponse, model: string, method: string, query: URLSearchParams) {
    if (!req.json || !Array.isArray(req.json.contents)) {
      return sendJson(res, 400, geminiError(400, '* GenerateContentRequest.contents: contents is not specified\n', 'INVALID_ARGUMENT'));
    }
    const { reply, options } = replies.next(req);
    if (reply.kind === 'error') return sendJson(res, reply.status, reply.body, reply.headers);
    if (reply.kind === 'raw') {
      res.writeHead(reply.status, reply.headers);
      if (await writeParts(res, [reply.body], options)) res.end();
      return;
    }
    if (method === 'generateContent') return sendJson(res, 200, generateBody(reply, model));
    if (query.get('alt') !== 'sse') {
      res.writeHead(200, { 'content-type': JSON_TYPE });
      if (await writeParts(res, [streamArrayBody(reply, model)], options)) res.end();
      return;
    }
    let events = sseEvents(reply, model);
    const hang = options.hangAfterEvents !== undefined;
    if (hang) events = events.slice(0, options.hangAfterEvents);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-content-type-options': 'nosniff' });
    res.flushHeaders();
    if ((await writeParts(res, events, options)) && !hang) res.end();
  }

  function serve(req: RecordedRequest, res: ServerResponse, query: URLSearchParams): Promise<void> | void {
    const match = PATH.exec(req.path.split('?')[0]!.replace(/%3A/gi, ':'));
    if (!match) return sendJson(res, 404, geminiError(404, 'Method not found.', 'NOT_FOUND'));
    const [, version, id, method] = match;
    const model = MODELS.find((m) => m.name === `models/${id}`);
    if (req.method === 'GET' && id === undefined) return sendJson(res, 200, { models: MODELS });
    if (req.method === 'GET' && method === undefined) {
      if (model) return sendJson(res, 200, model);
      return sendJson(res, 404, geminiError(404, `models/${id} is not found for API version ${version}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`, 'NOT_FOUND'));
    }
    if (req.method !== 'POST' || id === undefined) return sendJson(res, 404, geminiError(404, 'Method not found.', 'NOT_FOUND'));
    if (method === 'generateContent' || method === 'streamGenerateContent') return generate(req, res, id, method, query);
    if (method === 'countTokens') {
      const contents = req.json?.contents ?? req.json?.generateContentRequest?.contents ?? [];
      const text = JSON.stringify(contents.map((c: any) => c.parts?.map((p: any) => p.text ?? '')));
      const total = countTokensOf(text);
      return sendJson(res, 200, { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] });
    }
    if (method === 'embedContent') return sendJson(res, 200, { embedding: { values: embeddingOf(req.json?.content?.parts?.[0]?.text ?? '') } });
    if (method === 'batchEmbedContents') {
      const embeddings = (req.json?.requests ?? []).map((r: any) => ({ values: embeddingOf(r.content?.parts?.[0]?.text ?? '') }));
      return sendJson(res, 200, { embeddings });
    }
    return sendJson(res, 404, geminiError(404, 'Method not found.', 'NOT_FOUND'));
  }

  const server = await startScriptedServer(
    'Gemini',
    (request, res) => {
      const query = new URL(request.path, 'http://upstream').searchParams;
      if (!request.headers['x-goog-api-key'] && !query.get('key')) {
        return sendJson(res, 403, geminiError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.", 'PERMISSION_DENIED'));
      }
      return serve(request, res, query);
    },
    (res, error) => sendJson(res, 500, geminiError(500, `scripted upstream failed: ${String(error)}`, 'INTERNAL')),
  );

  return scriptedUpstream(server, replies);
}
