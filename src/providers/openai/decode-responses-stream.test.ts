/**
 * Golden Responses API streams (and a legacy Completions one) from __fixtures__ replayed through
 * the proxy's stream stage at every byte split point and at many multi-split patterns: the client
 * gets the same bytes and the reader the same view whichever way the upstream's bytes were cut,
 * UTF-8 characters included.
 */
import { describe, expect, it } from 'vitest';
import { cut, openaiFixture, random, randomCuts, replay, replayRow } from '../../../test/helpers/openai-stream-replay.js';
import { parseSSE } from '../../../test/helpers/sse.js';
import { responsesStreamReader } from './decode-responses-stream.js';

const weatherArgs = '{"city":"Zürich","unit":"celsius"}';

interface Case {
  fixture: string;
  operation: string;
  injectedUsage?: boolean;
  view: Record<string, unknown>;
  row: Record<string, unknown>;
  /** Replay cut at every single byte offset too (the random patterns run for every case). */
  everyOffset?: boolean;
  /** What the client gets, from the upstream's bytes; unchanged by default. */
  output?: (upstream: string) => string;
}

const cases: Case[] = [
  {
    fixture: 'responses-text.sse',
    operation: 'responses',
    view: { model: 'gpt-4.1-2025-04-14', text: 'Grüezi aus Zürich — 21 °C, sonnig ☀️. 天气很好。', toolCalls: [], usage: { inputTokens: 31, outputTokens: 14 }, finishReason: 'completed' },
    row: { outcome: 'ok', status: 200, inputTokens: 31, outputTokens: 14, responseModel: 'gpt-4.1-2025-04-14', error: null },
  },
  {
    fixture: 'responses-tool-call.sse',
    operation: 'responses',
    view: { text: '', toolCalls: [{ id: 'call_Qm7wVdJ4pK2sX9tYbN3cL8fR', name: 'get_weather', arguments: weatherArgs }], usage: { inputTokens: 78, outputTokens: 19 } },
    row: { outcome: 'ok', inputTokens: 78, outputTokens: 19 },
  },
  {
    fixture: 'responses-parallel-tool-calls.sse',
    operation: 'responses',
    view: {
      model: 'gpt-4o-2024-08-06',
      text: 'Checking both cities…',
      toolCalls: [
        { id: 'call_Ab3dE5gH7jK9mN1pQ3sT5vW7', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
        { id: 'call_Zy8xW6vU4tS2rQ0pO8nM6lK4', name: 'get_weather', arguments: '{"city":"Montréal","unit":"celsius"}' },
      ],
      usage: { inputTokens: 96, outputTokens: 61 },
    },
    row: { outcome: 'ok', inputTokens: 96, outputTokens: 61 },
  },
  {
    fixture: 'responses-error-mid-stream.sse',
    operation: 'responses',
    view: { text: 'The answer is', usage: { inputTokens: null, outputTokens: null }, finishReason: null },
    row: { outcome: 'upstream_error', error: 'The server had an error processing your request. Sorry about that!', inputTokens: null },
  },
  {
    fixture: 'responses-failed.sse',
    operation: 'responses',
    everyOffset: false,
    view: { text: '', toolCalls: [], finishReason: 'failed' },
    row: { outcome: 'upstream_error', error: 'An error occurred while processing your request.' },
  },
  {
    fixture: 'responses-incomplete.sse',
    operation: 'responses',
    everyOffset: false,
    view: { text: 'Once upon a time, in a land', finishReason: 'max_output_tokens', usage: { inputTokens: 22, outputTokens: 16 } },
    row: { outcome: 'ok', inputTokens: 22, outputTokens: 16 },
  },
  {
    // A stream read back with GET /responses/{id}?stream=true: the same events, no tokens counted again.
    fixture: 'responses-tool-call.sse',
    operation: 'responses.retrieve',
    everyOffset: false,
    view: { toolCalls: [{ id: 'call_Qm7wVdJ4pK2sX9tYbN3cL8fR', name: 'get_weather', arguments: weatherArgs }], usage: { inputTokens: null, outputTokens: null } },
    row: { outcome: 'ok', inputTokens: null, outputTokens: null, responseModel: 'gpt-4.1-2025-04-14' },
  },
  {
    // The client asked for usage itself: the usage chunk reaches it.
    fixture: 'completions-text.sse',
    operation: 'text_completion',
    view: { model: 'gpt-3.5-turbo-instruct:20230824-v2', text: '\n\nRoses are red, violets are blue.', finishReason: 'stop', usage: { inputTokens: 6, outputTokens: 11 } },
    row: { outcome: 'ok', inputTokens: 6, outputTokens: 11 },
  },
  {
    // The proxy asked for usage: the usage-only chunk is read, and kept from the client.
    fixture: 'completions-text.sse',
    operation: 'text_completion',
    injectedUsage: true,
    everyOffset: false,
    output: (upstream) => upstream.replace(/data: \{[^\n]*"choices":\[\],"usage":\{[^\n]*\n\n/, ''),
    view: { text: '\n\nRoses are red, violets are blue.', usage: { inputTokens: 6, outputTokens: 11 } },
    row: { outcome: 'ok', inputTokens: 6, outputTokens: 11 },
  },
];

describe.each(cases)('$fixture as $operation through the stream stage', ({ fixture, operation, injectedUsage = false, everyOffset = true, view, row, output = (upstream) => upstream }) => {
  const bytes = openaiFixture(fixture);
  const text = bytes.toString('utf8');

  it('whole: the client gets the upstream bytes unchanged; view and audit row as recorded', async () => {
    const result = await replay([bytes], operation, injectedUsage);
    expect(result.output).toBe(output(text));
    if (injectedUsage) expect(result.output).not.toContain('"choices":[]');
    expect(result.view).toMatchObject(view);
    expect(await replayRow(result.recorder)).toMatchObject({ provider: 'openai', operation, stream: true, ...row });
  });

  if (everyOffset) it('cut at every byte offset (two chunks): same bytes, same view', async () => {
    const whole = await replay([bytes], operation, injectedUsage);
    for (let at = 1; at < bytes.length; at++) {
      const result = await replay(cut(bytes, [at]), operation, injectedUsage);
      if (result.output !== whole.output) expect(result.output, `cut at ${at}`).toBe(whole.output);
      expect(result.view, `cut at ${at}`).toEqual(whole.view);
    }
  }, 60_000);

  it('cut into many pieces (200 seeded patterns, down to single bytes): same bytes, same view', async () => {
    const whole = await replay([bytes], operation, injectedUsage);
    const next = random(0x5eed ^ bytes.length);
    for (let pattern = 0; pattern < 200; pattern++) {
      const at = randomCuts(next, bytes.length, 1 + Math.floor(next() * 60));
      const result = await replay(cut(bytes, at), operation, injectedUsage);
      expect(result.output, `pattern ${pattern}: ${at.join(',')}`).toBe(whole.output);
      expect(result.view).toEqual(whole.view);
    }
    const bytewise = await replay(cut(bytes, Array.from({ length: bytes.length - 1 }, (_, index) => index + 1)), operation, injectedUsage);
    expect(bytewise.output).toBe(whole.output);
  }, 60_000);
});

describe('Responses streams the proxy must not take as whole', () => {
  it('a stream cut before response.completed: the client gets an error event after the upstream bytes, the row says upstream_error', async () => {
    const events = parseSSE(openaiFixture('responses-tool-call.sse').toString('utf8'));
    const withoutEnd = events
      .slice(0, -1)
      .map((event) => `event: ${event.event}\ndata: ${event.data}\n\n`)
      .join('');
    const result = await replay([Buffer.from(withoutEnd)], 'responses');
    expect(result.output.startsWith(withoutEnd)).toBe(true);
    const added = parseSSE(result.output.slice(withoutEnd.length));
    expect(added).toHaveLength(1);
    expect(JSON.parse(added[0]!.data)).toMatchObject({ error: { type: 'upstream_error' } });
    // The arguments were assembled from the deltas alone.
    expect(result.view.toolCalls).toEqual([{ id: 'call_Qm7wVdJ4pK2sX9tYbN3cL8fR', name: 'get_weather', arguments: weatherArgs }]);
    expect(await replayRow(result.recorder)).toMatchObject({ outcome: 'upstream_error', error: 'The upstream stream ended without its terminator.' });
  });

  it('a [DONE] is not a Responses terminator', async () => {
    const created = openaiFixture('responses-text.sse').toString('utf8').split('\n\n')[0]!;
    const result = await replay([Buffer.from(`${created}\n\ndata: [DONE]\n\n`)], 'responses');
    expect(await replayRow(result.recorder)).toMatchObject({ outcome: 'upstream_error', error: 'The upstream stream ended without its terminator.' });
  });
});

describe('responsesStreamReader', () => {
  const event = (data: Record<string, unknown>) => ({ event: data.type as string, data: JSON.stringify(data) });

  it('assembles function-call arguments from the deltas, by output_index, before the stream ends', () => {
    const reader = responsesStreamReader({ operation: 'responses', injectedUsage: false });
    reader.read(event({ type: 'response.output_item.added', output_index: 0, item: { type: 'function_call', call_id: 'call_1', name: 'read_file', arguments: '' } }));
    reader.read(event({ type: 'response.output_item.added', output_index: 1, item: { type: 'function_call', call_id: 'call_2', name: 'send_email', arguments: '' } }));
    for (const delta of ['{"to":"', 'x@evil.example', '"}']) reader.read(event({ type: 'response.function_call_arguments.delta', output_index: 1, delta }));
    reader.read(event({ type: 'response.function_call_arguments.delta', output_index: 0, delta: '{"path":"a.txt"}' }));
    expect(reader.view().toolCalls).toEqual([
      { id: 'call_1', name: 'read_file', arguments: '{"path":"a.txt"}' },
      { id: 'call_2', name: 'send_email', arguments: '{"to":"x@evil.example"}' },
    ]);
    // `.done` carries the whole arguments and disagrees: the SDK's snapshot takes it, a client that
    // joins the deltas the other, so both are judged, under the one id.
    reader.read(event({ type: 'response.function_call_arguments.done', output_index: 1, arguments: '{"to":"ok@example.com"}' }));
    expect(reader.view().toolCalls.slice(1)).toEqual([
      { id: 'call_2', name: 'send_email', arguments: '{"to":"x@evil.example"}' },
      { id: 'call_2', name: 'send_email', arguments: '{"to":"ok@example.com"}' },
    ]);
  });

  it('F6: an item added at an output_index other than its push position is an unknown shape; a string index counts as the SDK reads it', () => {
    const reader = responsesStreamReader({ operation: 'responses', injectedUsage: false });
    // The SDK pushes this item to position 0 and adds the deltas for index 0 to it, whatever it says.
    expect(reader.read(event({ type: 'response.output_item.added', output_index: 1, item: { type: 'function_call', call_id: 'call_2', name: 'send_email', arguments: '' } }))).toEqual({ toolCall: true });
    expect(reader.read(event({ type: 'response.function_call_arguments.delta', output_index: '0', delta: '{"to":"x@evil.example"}' }))).toEqual({ toolCall: true });
    expect(reader.view().toolCalls).toEqual([
      { id: '#0', name: 'function_call', arguments: '{"to":"x@evil.example"}', unknownShape: true },
      { id: 'call_2', name: 'send_email', arguments: '', unknownShape: true },
    ]);
  });

  it('reads the flat error event shape as documented, and a typeless chat-style error body', () => {
    const flat = responsesStreamReader({ operation: 'responses', injectedUsage: false });
    expect(flat.read({ event: 'error', data: JSON.stringify({ type: 'error', code: 'rate_limit_exceeded', message: 'Slow down.', param: null, sequence_number: 3 }) })).toEqual({ error: 'Slow down.' });
    const chatStyle = responsesStreamReader({ operation: 'responses', injectedUsage: false });
    expect(chatStyle.read({ data: JSON.stringify({ error: { message: 'Broken.', type: 'server_error' } }) })).toEqual({ error: 'Broken.' });
  });

  it('marks every event carrying part of a tool call (so a policy can hold the stream), and no text event', () => {
    const reader = responsesStreamReader({ operation: 'responses', injectedUsage: false });
    const infos = [
      reader.read(event({ type: 'response.output_item.added', output_index: 0, item: { type: 'message', content: [] } })),
      reader.read(event({ type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'Sending.' })),
      reader.read(event({ type: 'response.output_item.added', output_index: 1, item: { type: 'function_call', call_id: 'c', name: 'send', arguments: '' } })),
      reader.read(event({ type: 'response.function_call_arguments.delta', output_index: 1, delta: '{}' })),
      reader.read(event({ type: 'response.function_call_arguments.delta', output_index: 9, delta: 'orphan' })),
      reader.read(event({ type: 'response.custom_tool_call_input.delta', output_index: 2, delta: 'x' })),
      reader.read(event({ type: 'response.output_item.done', output_index: 1, item: { type: 'function_call', call_id: 'c', name: 'send', arguments: '{}' } })),
    ];
    expect(infos.map((info) => info.toolCall === true)).toEqual([false, false, true, true, true, true, true]);
  });

  it('ignores what it cannot parse, and never drops an event from the client', () => {
    const reader = responsesStreamReader({ operation: 'responses', injectedUsage: true });
    expect(reader.read({ data: 'not json' })).toEqual({});
    expect(reader.read(event({ type: 'response.output_text.delta', output_index: 7, delta: 'orphan' }))).toEqual({});
    expect(reader.read(event({ type: 'response.completed', response: { model: 'm', status: 'completed', output: [], usage: { input_tokens: 1, output_tokens: 2 } } }))).toEqual({ terminal: true });
    expect(reader.view()).toMatchObject({ model: 'm', text: '', usage: { inputTokens: 1, outputTokens: 2 }, finishReason: 'completed' });
  });
});
