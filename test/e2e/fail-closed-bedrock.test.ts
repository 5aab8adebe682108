/**
 * Fail closed on Bedrock's paths (the fail-closed matrix, issue 19 item 3): the AWS SDK through the
 * proxy against the scripted Bedrock. A content block, stream start, delta or event of a kind the
 * proxy does not know could carry an action: it is refused, never passed on; a stream the proxy
 * cannot decode (a failed checksum) or that is cut off ends with an exception; how an answer is
 * read follows the operation, never the upstream's content type.
 */
import { createServer } from 'node:http';
import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput, ConverseStreamCommand, InternalServerException, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Proxy, createProxy } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { auditRows } from '../helpers/proxy.js';
import { type Listening, listen } from '../helpers/way-in.js';
import { type ScriptedBedrock, chunkFrame, converseAnswer, converseStreamFrames, eventFrame, invokeStreamFrames, startBedrockUpstream } from '../upstream/bedrock.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const SECRET = 'smuggled-by-an-unknown-block';
/** The requests declare a tool: an answer of a kind the proxy cannot read may then carry an action (policies.unknownToolCalls). */
const ask: ConverseCommandInput = { modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'hi' }] }], toolConfig: { tools: [{ toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object' } } } }] } };
const invokeBody = () => new TextEncoder().encode(JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 16, tools: [{ name: 'lookup', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'hi' }] }));

let up: ScriptedBedrock;
let proxy: Proxy;
let server: Listening;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  up = await startBedrockUpstream();
  // A Bedrock API key configured: sent upstream as a bearer token (no signature check here).
  proxy = createProxy({ providers: { bedrock: { baseUrl: up.url, apiKey: 'bedrock-api-key-ABSKexample' } }, upstream: { retries: { attempts: 0 } } });
  server = await listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));
  client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: `${server.origin}/v1/bedrock`, token: { token: 'bedrock-api-key-ABSKexample' }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1, requestHandler: new NodeHttpHandler() });
});
beforeEach(() => up.clear());
afterAll(async () => {
  await server.close();
  await proxy.close();
  await up.close();
});

/** Every event of a ConverseStream as the SDK hands them over, or the error it raised. */
async function streamEvents(input: ConverseCommandInput = ask): Promise<{ events: unknown[]; error?: unknown }> {
  const events: unknown[] = [];
  try {
    const output = await client.send(new ConverseStreamCommand(input));
    for await (const event of output.stream!) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

const lastRow = async () => (await auditRows(proxy)).at(-1)!;
const refusedUnknown = async () => expect((await lastRow()).decisions?.some((decision) => decision.kind === 'tool_call' && decision.action === 'block')).toBe(true);

it("the client's own Bedrock API key passes through as a bearer token, the only credential upstream", async () => {
  await client.send(new ConverseCommand(ask));
  expect(up.requests[0]!.headers.authorization).toBe('Bearer bedrock-api-key-ABSKexample');
  expect((await lastRow()).authMethod).toBe('provider_key');
});

describe('Converse (JSON): answers the proxy cannot fully read', () => {
  it('a content block of an unknown kind is refused: gone from the answer, which says so', async () => {
    up.reply({ kind: 'json', body: converseAnswer([{ text: 'Done.' }, { computerAction: { action: 'click', secret: SECRET } }]) });
    const answer = await client.send(new ConverseCommand(ask));
    expect(JSON.stringify(answer.output)).not.toContain(SECRET);
    expect(JSON.stringify(answer.output)).toContain('[Archestra]');
    await refusedUnknown();
  });

  it('an answer whose output is not a message is replaced by the refusal', async () => {
    up.reply({ kind: 'json', body: { output: { plan: { steps: [SECRET] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } } });
    const answer = await client.send(new ConverseCommand(ask));
    expect(JSON.stringify(answer)).not.toContain(SECRET);
    expect(answer.output?.message?.content?.[0]?.text).toContain('[Archestra]');
  });

  it('the answer is judged as JSON whatever its content type says', async () => {
    up.reply({ kind: 'json', body: converseAnswer([{ computerAction: { secret: SECRET } }]), headers: { 'content-type': 'text/plain' } });
    const answer = await client.send(new ConverseCommand(ask));
    expect(JSON.stringify(answer)).not.toContain(SECRET);
  });
});

describe('ConverseStream: events the proxy cannot fully read', () => {
  const start = (index: number, startValue: unknown) => eventFrame('contentBlockStart', { contentBlockIndex: index, start: startValue });
  const head = () => [eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi.' } }), eventFrame('contentBlockStop', { contentBlockIndex: 0 })];
  const tail = () => [eventFrame('messageStop', { stopReason: 'end_turn' }), eventFrame('metadata', { usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 }, metrics: { latencyMs: 1 } })];

  const cases: [string, Uint8Array[]][] = [
    ['a block start of an unknown kind', [...head(), start(1, { computerAction: { secret: SECRET } }), eventFrame('contentBlockStop', { contentBlockIndex: 1 }), ...tail()]],
    ['a delta of an unknown kind', [...head(), eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { computerAction: { secret: SECRET } } }), ...tail()]],
    ['an event of an unknown kind', [...head(), eventFrame('actionRequested', { secret: SECRET }), ...tail()]],
  ];
  it.each(cases)('%s is refused: none of it reaches the SDK, the refusal does, the stream ends normally', async (_name, frames) => {
    up.reply({ kind: 'stream', frames });
    const { events, error } = await streamEvents();
    expect(error).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(events)).toContain('[Archestra]');
    expect(events.at(-1)).toHaveProperty('metadata');
    await refusedUnknown();
  });

  it('a message that fails its checksum ends the stream with an exception; nothing after it is passed on', async () => {
    const broken = eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: SECRET } });
    broken[broken.length - 1] = broken[broken.length - 1]! ^ 0xff;
    up.reply({ kind: 'stream', frames: [eventFrame('messageStart', { role: 'assistant' }), broken, ...tail()] });
    const { events, error } = await streamEvents();
    expect(error).toBeInstanceOf(InternalServerException);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(await lastRow()).toMatchObject({ outcome: 'upstream_error' });
  });

  it('a stream cut off before its metadata event is not taken as whole', async () => {
    up.reply({ kind: 'stream', frames: converseStreamFrames('cut').slice(0, -2) });
    const { error } = await streamEvents();
    expect(error).toBeInstanceOf(InternalServerException);
    expect(await lastRow()).toMatchObject({ outcome: 'upstream_error' });
  });

  it('a stream labelled JSON is still read as an event stream (the operation decides)', async () => {
    up.reply({ kind: 'stream', frames: [...head(), start(1, { computerAction: { secret: SECRET } }), ...tail()] });
    // The scripted stream's label is the event-stream type; the proxy labels its own re-encoding.
    const { events } = await streamEvents();
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });
});

describe('InvokeModelWithResponseStream', () => {
  it('an event other than chunk is refused; the Anthropic chunks go on', async () => {
    const frames = invokeStreamFrames('Hello.');
    frames.splice(2, 0, eventFrame('actionRequested', { secret: SECRET }));
    up.reply({ kind: 'stream', frames });
    const output = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body: invokeBody() }));
    const seen: string[] = [];
    for await (const event of output.body!) seen.push(JSON.stringify(event), event.chunk ? new TextDecoder().decode(event.chunk.bytes) : '');
    expect(seen.join('')).not.toContain(SECRET);
    expect(seen.join('')).toContain('Hello.');
    await refusedUnknown();
  });

  it('a chunk that is not an Anthropic event ends the stream with an exception', async () => {
    up.reply({ kind: 'stream', frames: [chunkFrame('not an event'), ...invokeStreamFrames('x')] });
    // The SDK reads the first event before it answers: the exception may surface at `send`.
    const error = await (async () => {
      const output = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body: invokeBody() }));
      for await (const _event of output.body!);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerException);
    expect(String((error as Error).message)).toContain('could not decode');
  });
});
