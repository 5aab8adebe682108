import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { createNdjsonSplitter } from '../shared/ndjson.js';
import type { StreamEventInfo, StreamReader } from '../types.js';
import { fixture, STREAM_FIXTURES, type StreamFixture } from './__fixtures__/expected.js';
import { ollamaAdapter } from './index.js';

interface Replay {
  reader: StreamReader;
  infos: StreamEventInfo[];
}

/** Feeds `pieces` (byte chunks) through a UTF-8 decoder and the event splitter into a fresh reader. */
function replay(spec: StreamFixture, pieces: Uint8Array[]): Replay {
  const reader = ollamaAdapter.streamReader({ operation: spec.operation, injectedUsage: false });
  const infos: StreamEventInfo[] = [];
  const decoder = new TextDecoder();
  let feed: (text: string) => void;
  let end = () => {};
  if (spec.format === 'ndjson') {
    const splitter = createNdjsonSplitter({ onLine: (line) => infos.push(reader.read({ data: line })), onOverflow: () => infos.push({ error: 'overflow' }), maxLineLength: 1 << 20 });
    feed = (text) => splitter.feed(text);
    end = () => splitter.end();
  } else {
    const parser = createParser({ onEvent: (event) => infos.push(reader.read(event)) });
    feed = (text) => parser.feed(text);
  }
  for (const piece of pieces) feed(decoder.decode(piece, { stream: true }));
  feed(decoder.decode());
  end();
  return { reader, infos };
}

/** What a replay amounts to: the view, whether and where it ended, and the reported error. */
function outcome({ reader, infos }: Replay) {
  return {
    view: reader.view(),
    terminalAt: infos.findIndex((info) => info.terminal === true),
    terminals: infos.filter((info) => info.terminal === true).length,
    error: infos.find((info) => info.error !== undefined)?.error ?? null,
    events: infos.length,
  };
}

describe.each(STREAM_FIXTURES)('ollama stream reader: $file', (spec) => {
  const bytes = fixture(spec.file);

  it('whole: assembles the expected answer, ends on the terminal line (or reports the error)', () => {
    const result = outcome(replay(spec, [bytes]));
    expect(result.view).toEqual(spec.view);
    expect(result.error).toBe(spec.error);
    if (spec.error === null) {
      expect(result.terminals).toBe(1);
      // The terminal event is the last one (`done: true`, or `[DONE]` after the usage chunk).
      expect(result.terminalAt).toBe(result.events - 1);
    } else {
      expect(result.terminals).toBe(0);
    }
    expect(ollamaAdapter.streamReader({ operation: spec.operation, injectedUsage: false }).endsAtEof).toBe(false);
  });

  it('split at every byte position, including inside multi-byte characters: the same result', () => {
    const whole = outcome(replay(spec, [bytes]));
    let insideCharacter = 0;
    for (let at = 1; at < bytes.length; at++) {
      if ((bytes[at]! & 0xc0) === 0x80) insideCharacter++;
      expect(outcome(replay(spec, [bytes.subarray(0, at), bytes.subarray(at)])), `split at ${at}`).toEqual(whole);
    }
    expect(insideCharacter).toBeGreaterThan(0);
  });

  it('one byte at a time, and in three uneven pieces: the same result', () => {
    const whole = outcome(replay(spec, [bytes]));
    expect(outcome(replay(spec, [...bytes].map((byte) => Uint8Array.of(byte))))).toEqual(whole);
    for (const [a, b] of [[3, 17], [100, 101], [7, bytes.length - 2]] as const) {
      expect(outcome(replay(spec, [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]))).toEqual(whole);
    }
  });
});

describe('ollama NDJSON reader: edge cases', () => {
  const chat = () => ollamaAdapter.streamReader({ operation: 'chat', injectedUsage: false });

  it('a line that is not JSON, or not an object, is passed over without changing the answer', () => {
    const reader = chat();
    expect(reader.read({ data: 'not json' })).toEqual({});
    expect(reader.read({ data: '[1,2]' })).toEqual({});
    expect(reader.read({ data: '{"model":"m","message":{"role":"assistant","content":"ok"},"done":false}' })).toEqual({});
    expect(reader.view().text).toBe('ok');
  });

  it('an error line with an object error still reports it; a done line without counts counts zero tokens', () => {
    expect(chat().read({ data: '{"error":{"message":"boom"}}' })).toEqual({ error: 'boom' });
    expect(chat().read({ data: '{"error":""}' })).toEqual({ error: 'upstream stream error' });
    const reader = chat();
    expect(reader.read({ data: '{"model":"llama3.2","created_at":"2024-09-12T21:17:29.110811Z","message":{"role":"assistant","content":""},"done_reason":"load","done":true}' })).toEqual({ terminal: true });
    expect(reader.view()).toMatchObject({ usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'load' });
  });

  it('a stream without its done line has no usage and no finish reason', () => {
    const reader = chat();
    reader.read({ data: '{"model":"m","message":{"role":"assistant","content":"cut"},"done":false}' });
    expect(reader.view()).toMatchObject({ text: 'cut', usage: { inputTokens: null, outputTokens: null }, finishReason: null });
  });
});

describe('ollama stream error events', () => {
  it('NDJSON routes get an Ollama error line; the OpenAI-compatible SSE routes get OpenAI\'s error event', () => {
    expect(ollamaAdapter.streamErrorEvent('The upstream connection broke off mid-stream.', 'ndjson')).toBe('{"error":"The upstream connection broke off mid-stream."}\n');
    const sse = ollamaAdapter.streamErrorEvent('cut', 'sse');
    expect(sse).toMatch(/^data: .*\n\n$/);
    expect(JSON.parse(sse.slice('data: '.length))).toEqual({ error: { message: 'cut', type: 'upstream_error', param: null, code: 'upstream_error' } });
  });
});
