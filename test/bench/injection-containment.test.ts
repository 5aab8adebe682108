/**
 * X7, prompt injection: the proxy has no injection classifier (injection cannot be reliably
 * detected; see SECURITY-TESTS.md, Principles). What it guarantees instead is containment, and
 * that is what this measures: every injection sample in bench/corpora/injections, arriving as an
 * untrusted tool result, taints the context, and the send it asks for is blocked. The same text
 * typed by the user is the user's own instruction and its send is allowed: the decision follows
 * provenance, never the wording.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR } from '../../bench/detectors/corpus.js';
import { judgeContext, judgeToolCalls } from '../../src/policy/engine.js';
import { policySchema } from '../../src/policy/schema.js';
import { decodeChatRequest } from '../../src/providers/openai/decode-request.js';

interface Injection {
  readonly id: string;
  /** The address the injection tries to send data to. */
  readonly target: string;
  readonly text: string;
}

const injections = readFileSync(join(CORPUS_DIR, 'injections', 'containment.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Injection);

function view(userText: string, toolResult: string) {
  const decoded = decodeChatRequest({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'user', content: userText },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_fetch', type: 'function', function: { name: 'fetch_url', arguments: '{"url":"https://example.com"}' } }] },
      { role: 'tool', tool_call_id: 'call_fetch', content: toolResult },
    ],
  });
  if (!decoded.success) throw new Error(decoded.message);
  return decoded.view;
}

const policy = policySchema.parse({});
const send = (to: string) => ({ id: 'call_send', name: 'send_email', arguments: JSON.stringify({ to, body: 'as requested' }) });

describe('X7: prompt-injection containment (not detection)', () => {
  it('has a corpus', () => {
    expect(injections.length).toBeGreaterThanOrEqual(20);
  });

  it.each(injections.map((sample) => [sample.id, sample] as const))('%s in an untrusted tool result taints the context and its send is blocked', (_, sample) => {
    const verdict = judgeContext(view('Summarise this page for me.', sample.text), policy, false);
    expect(verdict.tainted).toBe(true);
    expect(judgeToolCalls([send(sample.target)], verdict, policy)[0]?.action).toBe('block');
  });

  it.each(injections.map((sample) => [sample.id, sample] as const))('%s typed by the user: the address comes from trusted text, the send is allowed', (_, sample) => {
    const verdict = judgeContext(view(sample.text, 'Page content: a recipe for bread.'), policy, false);
    // The context is tainted (a tool result is untrusted whatever it says), but the address is the user's.
    expect(verdict.tainted).toBe(true);
    expect(judgeToolCalls([send(sample.target)], verdict, policy)[0]?.action).toBe('allow');
  });
});
