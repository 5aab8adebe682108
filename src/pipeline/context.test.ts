import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../types.js';
import { parseContext } from './context.js';

/** Headers from name/value pairs; a repeated name is appended, as a client sending it twice. */
function headers(...pairs: [string, string][]): Headers {
  const result = new Headers();
  for (const [name, value] of pairs) result.append(name, value);
  return result;
}

const AGENT = 'X-Archestra-Agent-Id';
const USER = 'X-Archestra-User-Id';
const SESSION = 'X-Archestra-Session-Id';
const EXECUTION = 'X-Archestra-Execution-Id';
const META = 'X-Archestra-Meta';

describe('parseContext: accepted headers', () => {
  const cases: { name: string; headers: [string, string][]; context: RequestContext }[] = [
    { name: 'no X-Archestra-* header', headers: [], context: {} },
    { name: 'agent id', headers: [[AGENT, 'my-chatbot-prod']], context: { agentId: 'my-chatbot-prod' } },
    { name: 'user id (a UUID)', headers: [[USER, '123e4567-e89b-12d3-a456-426614174000']], context: { userId: '123e4567-e89b-12d3-a456-426614174000' } },
    { name: 'session id', headers: [[SESSION, 'session-abc-123']], context: { sessionId: 'session-abc-123' } },
    { name: 'execution id', headers: [[EXECUTION, 'exec-run-456']], context: { executionId: 'exec-run-456' } },
    { name: 'header names are case-insensitive', headers: [['x-ARCHESTRA-agent-ID', 'a1']], context: { agentId: 'a1' } },
    {
      name: 'all four individual headers',
      headers: [[AGENT, 'a'], [USER, 'u'], [SESSION, 's'], [EXECUTION, 'e']],
      context: { agentId: 'a', userId: 'u', sessionId: 's', executionId: 'e' },
    },
    { name: 'every allowed character', headers: [[AGENT, 'Az09._~:@+=-']], context: { agentId: 'Az09._~:@+=-' } },
    { name: 'exactly 256 characters', headers: [[SESSION, 's'.repeat(256)]], context: { sessionId: 's'.repeat(256) } },
    { name: 'surrounding whitespace is not part of the value', headers: [[AGENT, '  padded  ']], context: { agentId: 'padded' } },
    { name: 'Meta, execution segment empty (the documented example)', headers: [[META, 'my-chatbot-prod//session-abc-123']], context: { agentId: 'my-chatbot-prod', sessionId: 'session-abc-123' } },
    { name: 'Meta, all three segments', headers: [[META, 'my-agent/exec-123/session-456']], context: { agentId: 'my-agent', executionId: 'exec-123', sessionId: 'session-456' } },
    { name: 'Meta, only the execution segment', headers: [[META, '/exec-123/']], context: { executionId: 'exec-123' } },
    { name: 'Meta, only the agent segment', headers: [[META, 'n8n-support-agent//']], context: { agentId: 'n8n-support-agent' } },
    { name: 'Meta, every segment empty', headers: [[META, '//']], context: {} },
    {
      name: 'individual headers win over Meta values',
      headers: [[META, 'meta-agent/meta-exec/meta-session'], [AGENT, 'own-agent'], [SESSION, 'own-session']],
      context: { agentId: 'own-agent', executionId: 'meta-exec', sessionId: 'own-session' },
    },
    {
      name: 'an individual header fills a segment Meta left empty',
      headers: [[META, 'meta-agent//'], [EXECUTION, 'own-exec']],
      context: { agentId: 'meta-agent', executionId: 'own-exec' },
    },
    {
      name: 'Meta and the user id header combine (Meta has no user segment)',
      headers: [[META, 'a/e/s'], [USER, 'u']],
      context: { agentId: 'a', executionId: 'e', sessionId: 's', userId: 'u' },
    },
    { name: 'an empty individual header is absent', headers: [[AGENT, '']], context: {} },
    { name: 'an empty individual header does not hide the Meta value', headers: [[META, 'meta-agent/e/s'], [AGENT, '']], context: { agentId: 'meta-agent', executionId: 'e', sessionId: 's' } },
    { name: 'a whitespace-only individual header is absent', headers: [[SESSION, '   ']], context: {} },
    { name: 'an empty Meta is absent, like an empty individual header', headers: [[META, '']], context: {} },
    { name: 'a whitespace-only Meta is absent', headers: [[META, '  '], [AGENT, 'a']], context: { agentId: 'a' } },
  ];

  it.each(cases)('$name', ({ headers: pairs, context }) => {
    expect(parseContext(headers(...pairs))).toEqual({ success: true, context });
  });
});

describe('parseContext: malformed values are refused, naming the header', () => {
  const long = 'x'.repeat(257);
  const cases: { name: string; headers: [string, string][]; header: string; detail?: RegExp }[] = [
    { name: 'Meta with 1 segment', headers: [[META, 'just-an-agent']], header: META, detail: /three segments.*got 1/ },
    { name: 'Meta with 2 segments', headers: [[META, 'agent/exec']], header: META, detail: /got 2/ },
    { name: 'Meta with 4 segments', headers: [[META, 'a/e/s/extra']], header: META, detail: /got 4/ },
    { name: 'Meta with 4 empty segments', headers: [[META, '///']], header: META, detail: /got 4/ },
    { name: 'Meta segment with a space', headers: [[META, 'my agent/e/s']], header: META },
    { name: 'Meta segment with a control character', headers: [[META, 'a/e\u0001x/s']], header: META },
    { name: 'Meta segment over 256 characters', headers: [[META, `a/e/${long}`]], header: META },
    { name: 'Meta segment with non-ASCII', headers: [[META, 'café/e/s']], header: META },
    { name: 'Meta sent twice (joined with ", ")', headers: [[META, 'a/e/s'], [META, 'b/f/t']], header: META },
    { name: 'Meta sent twice with one segment each', headers: [[META, 'a'], [META, 'b']], header: META },
    { name: 'Meta is checked even when every field has its own header', headers: [[META, 'a/b'], [AGENT, 'a'], [EXECUTION, 'e'], [SESSION, 's']], header: META },
    { name: 'agent id containing "/"', headers: [[AGENT, 'team/bot']], header: AGENT },
    { name: 'user id containing "/"', headers: [[USER, 'org/user']], header: USER },
    { name: 'session id containing "/"', headers: [[SESSION, 'a/b/c']], header: SESSION },
    { name: 'execution id containing "/"', headers: [[EXECUTION, '/']], header: EXECUTION },
    { name: 'agent id with an inner space', headers: [[AGENT, 'my bot']], header: AGENT },
    { name: 'user id with a tab', headers: [[USER, 'a\tb']], header: USER },
    { name: 'session id with a control character', headers: [[SESSION, 'a\u0001b']], header: SESSION },
    { name: 'execution id with DEL', headers: [[EXECUTION, 'a\u007fb']], header: EXECUTION },
    { name: 'agent id over 256 characters', headers: [[AGENT, long]], header: AGENT },
    { name: 'session id with non-ASCII', headers: [[SESSION, 'sessión']], header: SESSION },
    { name: 'agent id with a comma', headers: [[AGENT, 'a,b']], header: AGENT },
    { name: 'agent id sent twice (joined with ", ")', headers: [[AGENT, 'bot-a'], [AGENT, 'bot-b']], header: AGENT },
    { name: 'execution id sent twice', headers: [[EXECUTION, 'e1'], [EXECUTION, 'e2']], header: EXECUTION },
    { name: 'a bad individual header is refused even with a valid Meta', headers: [[META, 'a/e/s'], [SESSION, 'bad value']], header: SESSION },
  ];

  it.each(cases)('$name', ({ headers: pairs, header, detail }) => {
    const result = parseContext(headers(...pairs));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.message).toContain(header);
    if (detail) expect(result.message).toMatch(detail);
    // The message explains the rule, and never echoes the rejected value.
    for (const [, value] of pairs) if (value.length > 8) expect(result.message).not.toContain(value);
  });

  it('names the field of the Meta segment that is wrong', () => {
    const result = parseContext(headers([META, 'ok/bad exec/ok']));
    expect(result).toEqual({ success: false, message: expect.stringMatching(/X-Archestra-Meta.*executionId/) });
  });
});

describe('parseContext: X-Archestra-Run-Id, the execution id by its newer name', () => {
  const RUN = 'X-Archestra-Run-Id';

  it.each<[string, [string, string][], RequestContext]>([
    ['alone', [[RUN, 'run-7']], { executionId: 'run-7' }],
    ['with the same value in X-Archestra-Execution-Id', [[RUN, 'run-7'], [EXECUTION, 'run-7']], { executionId: 'run-7' }],
    ['over the Meta header, as the individual header does', [[META, 'agent/exec-from-meta/s'], [RUN, 'run-7']], { agentId: 'agent', executionId: 'run-7', sessionId: 's' }],
    ['empty: absent', [[RUN, ''], [EXECUTION, 'e1']], { executionId: 'e1' }],
  ])('%s', (_label, pairs, context) => {
    expect(parseContext(headers(...pairs))).toEqual({ success: true, context });
  });

  it('both, differing: refused, naming both headers', () => {
    const result = parseContext(headers([RUN, 'run-7'], [EXECUTION, 'exec-8']));
    expect(result.success).toBe(false);
    if (!result.success) expect(result.message).toMatch(/X-Archestra-Run-Id and X-Archestra-Execution-Id/);
  });

  it('a malformed run id is named by its own header', () => {
    const result = parseContext(headers([RUN, 'run/7']));
    expect(result.success).toBe(false);
    if (!result.success) expect(result.message).toMatch(/^Invalid X-Archestra-Run-Id \(executionId\)/);
  });
});
