import { describe, expect, it } from 'vitest';
import { anthropicKey, awsAccessKey, BASE64, githubClassicToken, pemPrivateKey, seeded } from './__fixtures__/values.js';
import { scanJson } from './scan-json.js';

const r = seeded(606);

/** An OpenAI Chat Completions request: PII in the system prompt, a multimodal part, tool-call arguments and a tool result. */
function chatRequest() {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are the support bot. Escalations go to ops@corp.example.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'My card 4111 1111 1111 1111 was charged twice.' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${r.token(4096, BASE64)}` } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'send_email', arguments: JSON.stringify({ to: ['jane.doe@example.com'], meta: { phone: '+44 20 7946 0958', note: 'line\nIBAN DE89 3704 0044 0532 0130 00' } }) },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: JSON.stringify({ status: 'sent', debug: { key: awsAccessKey(r) } }) },
    ],
  };
}

const ALL_ON = ['openai_key', 'anthropic_key', 'aws_access_key', 'github_token', 'slack_token', 'google_api_key', 'private_key', 'email', 'phone', 'credit_card', 'iban'] as const;

describe('X6: scanJson covers every field and keeps JSON valid', () => {
  it('finds PII in the system prompt, multimodal text, nested tool-call arguments and tool results, with paths', () => {
    const { findings } = scanJson(chatRequest(), ALL_ON);
    expect(findings.map((f) => [f.detector, f.path])).toEqual([
      ['email', '$.messages[0].content'],
      ['credit_card', '$.messages[1].content[0].text'],
      ['email', '$.messages[2].tool_calls[0].function.arguments'],
      ['phone', '$.messages[2].tool_calls[0].function.arguments'],
      ['iban', '$.messages[2].tool_calls[0].function.arguments'],
      ['aws_access_key', '$.messages[3].content'],
    ]);
  });

  it('redacts in place; the body and every JSON-in-a-string stay valid', () => {
    const body = chatRequest();
    const result = scanJson(body, ALL_ON, { redact: true });
    expect(result.value).toBe(body);
    expect(result.redacted).toBe(6);
    const reparsed = JSON.parse(JSON.stringify(body)) as ReturnType<typeof chatRequest>;
    const args = JSON.parse(reparsed.messages[2]?.tool_calls?.[0]?.function.arguments ?? '') as unknown;
    expect(args).toEqual({ to: ['[REDACTED:email]'], meta: { phone: '[REDACTED:phone]', note: 'line\nIBAN [REDACTED:iban]' } });
    expect(JSON.parse(String(reparsed.messages[3]?.content))).toEqual({ status: 'sent', debug: { key: '[REDACTED:aws_access_key]' } });
    expect(reparsed.messages[0]?.content).toBe('You are the support bot. Escalations go to [REDACTED:email].');
    // The image was left alone.
    expect(JSON.stringify(reparsed.messages[1])).toContain('data:image/png;base64,');
  });

  it('scans Anthropic tool_use input objects and tool_result blocks, and Gemini function-call args', () => {
    const pem = pemPrivateKey(r);
    const anthropic = {
      system: [{ type: 'text', text: `deploy key: ${githubClassicToken(r)}` }],
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'write_file', input: { path: '/tmp/id_rsa', content: pem } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: [{ type: 'text', text: `ok, backup to ${anthropicKey(r)}` }] }] },
      ],
    };
    const { findings } = scanJson(anthropic, ALL_ON, { redact: true });
    expect(findings.map((f) => [f.detector, f.path])).toEqual([
      ['github_token', '$.system[0].text'],
      ['private_key', '$.messages[0].content[0].input.content'],
      ['anthropic_key', '$.messages[1].content[0].content[0].text'],
    ]);
    expect(anthropic.messages[0]?.content[0]).toMatchObject({ input: { content: '[REDACTED:private_key]' } });

    const gemini = { contents: [{ role: 'model', parts: [{ functionCall: { name: 'pay', args: { card: '4242-4242-4242-4242', amount: 12 } } }] }] };
    expect(scanJson(gemini, ALL_ON, { redact: ['credit_card'] }).findings.map((f) => f.path)).toEqual(['$.contents[0].parts[0].functionCall.args.card']);
    expect(gemini.contents[0]?.parts[0]?.functionCall.args).toEqual({ card: '[REDACTED:credit_card]', amount: 12 });
  });

  it('redacts only the listed detectors, and reports the others', () => {
    const body = { a: 'jane@example.com', b: '+44 20 7946 0958' };
    const result = scanJson(body, ALL_ON, { redact: new Set(['phone'] as const) });
    expect(result.findings.map((f) => f.detector)).toEqual(['email', 'phone']);
    expect(body).toEqual({ a: 'jane@example.com', b: '[REDACTED:phone]' });
    expect(result.redacted).toBe(1);
  });

  it('scans object keys, renames them in place in order, and keeps detected values out of paths', () => {
    const body = { users: { 'jane@example.com': { role: 'admin', phone: '+44 20 7946 0958' }, 'bob@example.com': 'viewer', other: 1 } };
    const { findings } = scanJson(body, ALL_ON, { redact: true });
    expect(findings.map((f) => [f.detector, f.path, f.inKey ?? false])).toEqual([
      ['email', '$.users["[REDACTED:email]"]', true],
      ['email', '$.users["[REDACTED:email]"]', true],
      ['phone', '$.users["[REDACTED:email]"].phone', false],
    ]);
    expect(Object.keys(body.users)).toEqual(['[REDACTED:email]', '[REDACTED:email] (2)', 'other']);
    for (const finding of findings) expect(finding.path).not.toContain('example.com');
  });

  it('a "__proto__" key from JSON.parse stays an own property when redacted', () => {
    const body = JSON.parse('{"__proto__": "jane@example.com", "x": {"__proto__": {"k": "bob@example.com"}}}') as Record<string, unknown>;
    scanJson(body, ALL_ON, { redact: true });
    expect(JSON.stringify(body)).toBe('{"__proto__":"[REDACTED:email]","x":{"__proto__":{"k":"[REDACTED:email]"}}}');
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
  });

  it('returns a new string for a string root, and leaves numbers, booleans and null alone', () => {
    expect(scanJson('mail jane@example.com', ALL_ON, { redact: true }).value).toBe('mail [REDACTED:email]');
    expect(scanJson(4111111111111111, ALL_ON, { redact: true }).value).toBe(4111111111111111);
    expect(scanJson({ a: null, b: true, c: [1, 2] }, ALL_ON, { redact: true }).findings).toEqual([]);
  });

  it('walks a 10 000-deep nesting without recursion, and tolerates cycles', () => {
    let deep: unknown = 'jane@example.com';
    for (let i = 0; i < 10_000; i++) deep = i % 2 ? { x: deep } : [deep];
    expect(scanJson(deep, ALL_ON, { redact: true }).redacted).toBe(1);
    const cyclic: Record<string, unknown> = { a: 'jane@example.com' };
    cyclic.self = cyclic;
    expect(scanJson(cyclic, ALL_ON).findings).toHaveLength(1);
  });

  it('scan only by default: nothing changes', () => {
    const body = chatRequest();
    const before = JSON.stringify(body);
    const result = scanJson(body, ALL_ON);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.redacted).toBe(0);
    expect(JSON.stringify(body)).toBe(before);
  });
});

describe('scanJson: long strings seen again (an agent loop resending its history)', () => {
  const page = (n: number) => `Report ${n}. Write to jane.doe@example.com or call +44 20 7946 0958. ${'Nothing else to note here. '.repeat(12)}`;
  it('gives the same findings and the same redaction the second time, in a new body', () => {
    const first = scanJson({ messages: [{ role: 'tool', content: page(1) }] }, undefined, { redact: true });
    const second = scanJson({ messages: [{ role: 'tool', content: page(1) }] }, undefined, { redact: true });
    expect(second.findings).toEqual(first.findings);
    expect(second.value).toEqual(first.value);
    expect(second.value.messages[0]?.content).toContain('[REDACTED:email]');
    expect(second.value.messages[0]?.content).not.toContain('jane.doe@example.com');
  });
  it('tells texts apart that differ by one character', () => {
    scanJson({ content: page(2) }, undefined, { redact: true });
    const other = `${page(2).replace('jane.doe@example.com', 'jane.doe@example.co')}x`;
    const { value, findings } = scanJson({ content: other }, undefined, { redact: true });
    expect(findings.map((finding) => finding.detector)).toEqual(['email', 'phone']);
    expect(value.content).not.toContain('jane.doe@example.co ');
  });
});
