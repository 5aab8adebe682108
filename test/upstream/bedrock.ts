/**
 * A scripted AWS Bedrock runtime on 127.0.0.1 speaking its wire format (from the Bedrock Runtime API
 * reference and the AWS SDK's models): Converse JSON, ConverseStream and
 * InvokeModelWithResponseStream in AWS event-stream framing (binary messages with typed headers and
 * CRCs, encoded by @smithy/eventstream-codec), errors as `{ message }` with `x-amzn-ErrorType`.
 * With `credentials`, every request's SigV4 signature is checked by re-signing it with them
 * (@smithy/signature-v4): a request the proxy signed wrongly gets Bedrock's 403.
 */
import type { ServerResponse } from 'node:http';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { type RecordedRequest, type ScriptedServer, startScriptedServer } from './scripted-server.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });

/** One event-stream message: an event (`messageStart`, `chunk`, ...) or an exception. */
export function eventFrame(type: string, payload: unknown): Uint8Array {
  const headers: MessageHeaders = { ':message-type': str('event'), ':event-type': str(type), ':content-type': str('application/json') };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}
export function exceptionFrame(type: string, message: string): Uint8Array {
  const headers: MessageHeaders = { ':message-type': str('exception'), ':exception-type': str(type), ':content-type': str('application/json') };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ message })) });
}
/** An InvokeModelWithResponseStream chunk: the Anthropic event as base64 `bytes`. */
export function chunkFrame(event: unknown): Uint8Array {
  return eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') });
}

export type BedrockReply =
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  | { kind: 'error'; status: number; type: string; message: string }
  | { kind: 'stream'; frames: Uint8Array[] };

export interface ScriptedBedrock extends ScriptedServer {
  /** Queues replies, used in order; the last one repeats (until `clear()`, which restores a plain Converse answer). */
  reply(...replies: BedrockReply[]): void;
  /** Each request's signature check: true (valid), false (invalid), undefined (not signed). */
  signatures: (boolean | undefined)[];
}

export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export async function startBedrockUpstream(options: { credentials?: BedrockCredentials; region?: string } = {}): Promise<ScriptedBedrock> {
  const fallback: BedrockReply[] = [{ kind: 'json', body: converseAnswer([{ text: 'Hello from Bedrock.' }]) }];
  let queue = fallback;
  const signatures: (boolean | undefined)[] = [];
  const server = await startScriptedServer(
    'bedrock',
    async (request, res) => {
      const signed = request.headers.authorization?.startsWith('AWS4-HMAC-SHA256') ? await checkSignature(request, options) : undefined;
      signatures.push(signed);
      if (options.credentials && signed !== true) return sendError(res, 403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
      const reply = queue.length > 1 ? queue.shift()! : queue[0]!;
      if (reply.kind === 'error') return sendError(res, reply.status, reply.type, reply.message);
      if (reply.kind === 'json') {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1', ...reply.headers });
        res.end(JSON.stringify(reply.body));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-1' });
      for (const frame of reply.frames) res.write(frame);
      res.end();
    },
    (res) => sendError(res, 500, 'InternalServerException', 'scripted upstream failed'),
  );
  return {
    ...server,
    signatures,
    reply(...replies) {
      queue = replies;
    },
    clear() {
      server.clear();
      signatures.length = 0;
      queue = fallback;
    },
  };
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
  res.end(JSON.stringify({ message }));
}

/** Re-signs the request as received (its signed headers, its date) and compares the signatures. */
async function checkSignature(request: RecordedRequest, options: { credentials?: BedrockCredentials; region?: string }): Promise<boolean> {
  if (!options.credentials) return false;
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)/.exec(request.headers.authorization ?? '');
  if (!match) return false;
  const [, accessKeyId, region, service, signedHeaders] = match;
  if (accessKeyId !== options.credentials.accessKeyId || region !== (options.region ?? 'us-east-1') || service !== 'bedrock') return false;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(request.headers['x-amz-date'] ?? '');
  if (!date) return false;
  const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) headers[name] = request.headers[name] ?? '';
  const [path, query = ''] = request.path.split('?');
  const signer = new SignatureV4({ credentials: options.credentials, region: region!, service: service!, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true });
  const host = request.headers.host ?? '';
  const resigned = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: host.split(':')[0]!, path: path!, query: Object.fromEntries(new URLSearchParams(query)), headers, body: request.body },
    { signingDate },
  );
  return resigned.headers.authorization === request.headers.authorization && request.headers['x-amz-security-token'] === options.credentials.sessionToken;
}

/** A Converse answer. */
export function converseAnswer(content: unknown[], stopReason = 'end_turn', usage: Record<string, number> = { inputTokens: 12, outputTokens: 7, totalTokens: 19 }) {
  return { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 42 } };
}

/** A ConverseStream answer: text, then each tool use in pieces, the stop and the metadata. */
export function converseStreamFrames(text: string, toolUses: { toolUseId: string; name: string; input: unknown }[] = [], usage: Record<string, number> = { inputTokens: 12, outputTokens: 7, totalTokens: 19 }): Uint8Array[] {
  const frames = [eventFrame('messageStart', { role: 'assistant', p: 'abcd' })];
  let index = 0;
  if (text) {
    const half = Math.ceil(text.length / 2);
    frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: text.slice(0, half) } }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: text.slice(half) } }), eventFrame('contentBlockStop', { contentBlockIndex: 0 }));
    index = 1;
  }
  for (const use of toolUses) {
    const input = JSON.stringify(use.input);
    const half = Math.ceil(input.length / 2);
    frames.push(
      eventFrame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: use.toolUseId, name: use.name } } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: input.slice(0, half) } } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: input.slice(half) } } }),
      eventFrame('contentBlockStop', { contentBlockIndex: index }),
    );
    index++;
  }
  frames.push(eventFrame('messageStop', { stopReason: toolUses.length > 0 ? 'tool_use' : 'end_turn' }), eventFrame('metadata', { usage, metrics: { latencyMs: 42 } }));
  return frames;
}

/** An Anthropic Messages answer as InvokeModel returns it. */
export function invokeAnswer(content: unknown[], stopReason = 'end_turn') {
  return { id: 'msg_bdrk_1', type: 'message', role: 'assistant', model: 'claude-3-5-haiku-20241022', content, stop_reason: stopReason, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 9 } };
}

/** An InvokeModelWithResponseStream answer: Anthropic's events as chunks. */
export function invokeStreamFrames(text: string, toolUse?: { id: string; name: string; input: unknown }): Uint8Array[] {
  const events: unknown[] = [
    { type: 'message_start', message: { id: 'msg_bdrk_1', type: 'message', role: 'assistant', model: 'claude-3-5-haiku-20241022', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
    { type: 'content_block_stop', index: 0 },
  ];
  if (toolUse) {
    const input = JSON.stringify(toolUse.input);
    events.push(
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: toolUse.id, name: toolUse.name, input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: input.slice(0, 5) } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: input.slice(5) } },
      { type: 'content_block_stop', index: 1 },
    );
  }
  events.push(
    { type: 'message_delta', delta: { stop_reason: toolUse ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } },
    { type: 'message_stop', 'amazon-bedrock-invocationMetrics': { inputTokenCount: 20, outputTokenCount: 9, invocationLatency: 100, firstByteLatency: 50 } },
  );
  return events.map(chunkFrame);
}
