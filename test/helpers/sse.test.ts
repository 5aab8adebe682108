import { describe, expect, it } from 'vitest';
import { parseSSE, sseJson } from './sse.js';

describe('parseSSE', () => {
  it('handles LF, CRLF and CR line endings, comments, event names and multi-line data', () => {
    const text = '\uFEFF: keep-alive\r\nevent: ping\r\ndata: a\r\ndata:b\r\n\r\ndata: x\rdata:  y\r\rid: 7\ndata: z\n\n';
    expect(parseSSE(text)).toEqual([
      { event: 'ping', data: 'a\nb' },
      { data: 'x\n y' },
      { data: 'z', id: '7' },
    ]);
  });

  it('skips events without data and an unterminated trailing event', () => {
    expect(parseSSE('event: nothing\n\ndata:\n\ndata: partial')).toEqual([{ data: '' }]);
  });

  it('sseJson parses payloads and drops [DONE]', () => {
    expect(sseJson('data: {"a":1}\n\ndata: [DONE]\n\n')).toEqual([{ a: 1 }]);
  });
});
