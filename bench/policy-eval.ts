/**
 * `npm run bench:policy`: what policy evaluation costs on a 50-message agent conversation, step by
 * step, in process (no I/O): decoding the request into the policy view, judging its context (trust
 * of every tool result, taint), judging the answer's tool calls (rules, provenance, trifecta), and
 * the data-leak scan of the whole body (secrets and personal data on). The bound: well under
 * a millisecond per request. Writes nothing; prints a table.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolveDataLeakPolicy, scanJson } from '../src/policy/data-leak/index.js';
import { judgeContext, judgeToolCalls } from '../src/policy/engine.js';
import { policySchema } from '../src/policy/schema.js';
import { routeNative } from '../src/pipeline/route.js';
import { openaiAdapter } from '../src/providers/openai/index.js';
import type { ToolCallView } from '../src/providers/types.js';

const ITERATIONS = Number(process.env.BENCH_POLICY_ITERATIONS ?? 5000);

const policy = policySchema.parse({
  defaultToolAction: 'allow_when_context_trusted',
  tools: [
    { id: 'weather', tool: 'get_weather', when: [{ path: 'unit', operator: 'in', value: ['celsius', 'fahrenheit'] }], action: 'allow' },
    { id: 'internal-mail', tool: 'send_email', when: [{ path: 'to', operator: 'endsWith', value: '@corp.test' }], action: 'allow' },
    { id: 'no-shell', tool: 'run_*', action: 'block' },
  ],
  trustedData: [{ tool: 'get_calendar', action: 'trusted' }, { tool: 'fetch_url', when: [{ path: '$', operator: 'contains', value: 'intranet' }], action: 'trusted' }],
  trifecta: { privateDataTools: ['read_customers'], externalTools: ['send_*', 'http_post'] },
  dataLeak: { secrets: 'redact', pii: 'redact' },
});

/**
 * 50 messages: system, user, then 24 rounds of an assistant tool call and its ~600-character
 * result. `seed` makes every result new text (scanned for the first time).
 */
function conversation(seed: number): Record<string, unknown> {
  const page = 'Quarterly report. Revenue grew 12% on the year; contact sales@example.com or +1 415 555 0100 for details. '.repeat(6);
  const tools = ['fetch_url', 'get_calendar', 'read_customers', 'search_docs'];
  const messages: Record<string, unknown>[] = [
    { role: 'system', content: 'You are a helpful assistant for the sales team.' },
    { role: 'user', content: 'Prepare the weekly summary and email it to boss@corp.test.' },
  ];
  for (let round = 0; round < 24; round++) {
    const id = `call_${round}`;
    const name = tools[round % tools.length]!;
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify({ query: `item ${round}`, url: `https://example.com/${round}` }) } }] });
    messages.push({ role: 'tool', tool_call_id: id, content: `${page} (${seed}.${round})` });
  }
  const definitions = [...tools, 'send_email', 'get_weather'].map((name) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: { query: { type: 'string' } } } } }));
  return { model: 'gpt-4o-mini', messages, tools: definitions };
}

const answerCalls: ToolCallView[] = [
  { id: 'call_a', name: 'send_email', arguments: JSON.stringify({ to: 'boss@corp.test', body: 'Weekly summary attached.' }) },
  { id: 'call_b', name: 'get_weather', arguments: JSON.stringify({ city: 'Paris', unit: 'celsius' }) },
];

const route = routeNative(openaiAdapter, 'POST', ['chat', 'completions'], 'default');
if (route.kind !== 'match') throw new Error('no chat route');
const leakPolicy = resolveDataLeakPolicy(policy.dataLeak);
const secretsOnly = resolveDataLeakPolicy({ ...policy.dataLeak, pii: 'off' });
const text = JSON.stringify(conversation(0));

const steps = { decode: [] as number[], context: [] as number[], toolCalls: [] as number[], secrets: [] as number[], dataLeak: [] as number[], again: [] as number[], total: [] as number[] };
for (let i = 0; i < ITERATIONS + 500; i++) {
  // Every iteration's tool results are new text; the last scan sees the same body again, as the
  // next turn of an agent loop does (its history resent).
  const body = JSON.stringify(conversation(i + 1));
  const copy = JSON.parse(body);
  const again = JSON.parse(body);
  const t0 = performance.now();
  const decoded = openaiAdapter.decodeRequest(route.match, JSON.parse(body), new URLSearchParams());
  if (!decoded.success) throw new Error(decoded.message);
  const t1 = performance.now();
  const verdict = judgeContext(decoded.view, policy, false);
  const t2 = performance.now();
  const decisions = judgeToolCalls(answerCalls, verdict, policy);
  const t3 = performance.now();
  scanJson(copy, secretsOnly.enabled, { redact: true });
  const t3b = performance.now();
  const scan = scanJson(decoded.json, leakPolicy.enabled, { redact: true });
  const t4 = performance.now();
  scanJson(again, leakPolicy.enabled, { redact: true });
  const t5 = performance.now();
  if (i < 500) continue; // warm-up
  if (decisions.length !== 2 || scan.findings.length === 0) throw new Error('the workload did not exercise the policies');
  steps.decode.push(t1 - t0);
  steps.context.push(t2 - t1);
  steps.toolCalls.push(t3 - t2);
  steps.secrets.push(t3b - t3);
  steps.dataLeak.push(t4 - t3b);
  steps.again.push(t5 - t4);
  steps.total.push(t1 - t0 + (t3 - t1) + (t4 - t3b));
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const us = (ms: number) => `${Math.round(ms * 1000).toLocaleString('en-US')} us`;
const labels: Record<keyof typeof steps, string> = {
  decode: 'decode the request (JSON.parse + policy view)',
  context: 'judge the context (24 tool results: trust, taint)',
  toolCalls: 'judge 2 tool calls (rules, provenance, trifecta)',
  secrets: 'data-leak scan, secrets only (the default)',
  dataLeak: 'data-leak scan, secrets + personal data (redacting)',
  again: 'the same, next turn of the agent loop (history seen before)',
  total: 'total (decode + judge + scan with personal data on)',
};
console.log(`Policy evaluation, 50-message conversation (${(text.length / 1024).toFixed(1)} KiB body), ${ITERATIONS} iterations`);
console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}\n`);
console.log('| step | p50 | p99 |\n|---|---|---|');
for (const key of Object.keys(steps) as (keyof typeof steps)[]) console.log(`| ${labels[key]} | ${us(quantile(steps[key], 0.5))} | ${us(quantile(steps[key], 0.99))} |`);
