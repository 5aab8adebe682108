/**
 * Checklist D1: one row per request, whatever happened. 1,000 requests through the real SDKs
 * (OpenAI, Anthropic, Gemini, Ollama) against one proxy on a SQLite file, mixed: answered (JSON
 * and stream), refused by a policy rule, an upstream error, a stream the client aborts midway,
 * a credential refused by the proxy. Exactly 1,000 terminal rows, each with its status and
 * outcome, the refusing rule's id where a rule refused, and usage wherever the upstream reported it.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import Database from 'better-sqlite3';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy, type Proxy } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { clearGeminiEnv } from '../helpers/gemini-way-in.js';
import { type Listening, listen } from '../helpers/way-in.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import { type ScriptedOllama, startOllamaUpstream } from '../upstream/ollama.js';
import { openAIError, type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

const TOTAL = 1_000;
const CONCURRENCY = 16;
const RULE = 'never-send';

let openai: ScriptedOpenAI;
/** Sends two events of each stream and then nothing: its clients abort midway. */
let stalling: ScriptedOpenAI;
let anthropic: ScriptedAnthropic;
let gemini: ScriptedGemini;
let ollama: ScriptedOllama;
let proxy: Proxy;
let server: Listening;
let dir: string;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = clearGeminiEnv();
  [openai, stalling, anthropic, gemini, ollama] = await Promise.all([startOpenAIUpstream(), startOpenAIUpstream(), startAnthropicUpstream(), startGeminiUpstream(), startOllamaUpstream()]);
  openai.reply((request) => {
    const text = JSON.stringify(request.json);
    if (text.includes('please fail')) return { kind: 'error', status: 500, body: openAIError('The server had an error.', 'server_error') };
    if (text.includes('send mail')) return { kind: 'chat', toolCalls: [{ id: 'call_1', name: 'send_email', arguments: '{"to":"a@b.test"}' }] };
    return { kind: 'chat', content: 'ok' };
  });
  stalling.reply({ kind: 'chat', content: 'one two three four five six' }, { hangAfterEvents: 2 });
  dir = mkdtempSync(join(tmpdir(), 'archestra-one-row-'));
  proxy = createProxy({
    store: join(dir, 'audit.db'),
    providers: { openai: { baseUrl: openai.baseUrl }, vllm: { baseUrl: stalling.baseUrl }, anthropic: { baseUrl: anthropic.url }, gemini: { baseUrl: gemini.url }, ollama: { baseUrl: ollama.url } },
    policies: { tools: [{ id: RULE, tool: 'send_*', action: 'block', reason: 'sending mail is disabled' }] },
    // The upstream errors pass as they came (retries are tested in upstream-retries.test.ts).
    upstream: { retries: { attempts: 0 } },
  });
  server = await listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));
});
afterAll(async () => {
  await server.close();
  await proxy.close();
  await Promise.all([openai, stalling, anthropic, gemini, ollama].map((up) => up.close()));
  rmSync(dir, { recursive: true, force: true });
  restoreEnv();
});

interface Expected {
  status: number;
  outcome: string;
  rule?: string;
  usage: boolean;
}

const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'send_email', parameters: { type: 'object', properties: { to: { type: 'string' } } } } }];

/** Request `n`: its kind is `n % 10`; resolves with what its row must say. */
async function send(n: number): Promise<Expected> {
  const id = `d1-${n}`;
  const headers = { 'X-Archestra-Execution-Id': id };
  const origin = server.origin;
  const oa = (key = 'sk-d1-client', base = `${origin}/v1/openai`) => new OpenAI({ apiKey: key, baseURL: base, maxRetries: 0 });
  const chat = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });
  switch (n % 10) {
    case 0:
      await oa().chat.completions.create(chat('hello'), { headers });
      return { status: 200, outcome: 'ok', usage: true };
    case 1: {
      const stream = await oa().chat.completions.create({ ...chat('hello'), stream: true }, { headers });
      for await (const _chunk of stream) { /* to the end */ }
      return { status: 200, outcome: 'ok', usage: true };
    }
    case 2: {
      const answer = await oa().chat.completions.create({ ...chat('send mail'), tools: TOOLS }, { headers });
      expect(answer.choices[0]?.message.tool_calls ?? []).toEqual([]);
      return { status: 200, outcome: 'ok', rule: RULE, usage: true };
    }
    case 3: {
      const failed = await oa().chat.completions.create(chat('please fail'), { headers }).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
      return { status: 500, outcome: 'upstream_error', usage: false };
    }
    case 4: {
      // Two events come, then the upstream stalls: the client gives up midway.
      const stream = await oa('sk-d1-client', `${origin}/v1/vllm`).chat.completions.create({ ...chat('hello'), stream: true }, { headers });
      for await (const _chunk of stream) {
        stream.controller.abort();
        break;
      }
      return { status: 200, outcome: 'client_aborted', usage: false };
    }
    case 5: {
      // A malformed credential: refused by the proxy before anything else.
      const refused = await oa('sk-d1 two words').chat.completions.create(chat('hello'), { headers }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
      return { status: 401, outcome: 'rejected', usage: false };
    }
    case 6:
      await new Anthropic({ apiKey: 'sk-ant-d1', baseURL: `${origin}/v1/anthropic`, maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] }, { headers });
      return { status: 200, outcome: 'ok', usage: true };
    case 7: {
      const stream = await new Anthropic({ apiKey: 'sk-ant-d1', baseURL: `${origin}/v1/anthropic`, maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hello' }] }, { headers });
      for await (const _event of stream) { /* to the end */ }
      return { status: 200, outcome: 'ok', usage: true };
    }
    case 8:
      await new GoogleGenAI({ apiKey: 'AIza-d1-key', httpOptions: { baseUrl: `${origin}/v1/gemini`, headers } }).models.generateContent({ model: 'gemini-2.0-flash', contents: 'hello' });
      return { status: 200, outcome: 'ok', usage: true };
    default:
      await new Ollama({ host: `${origin}/v1/ollama`, headers }).chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hello' }] });
      return { status: 200, outcome: 'ok', usage: true };
  }
}

interface Row {
  id: string;
  status: number;
  outcome: string;
  decisions: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
}

describe('D1: one terminal row per request, whatever happened', () => {
  it(`${TOTAL} mixed requests through the real SDKs, several providers, one file store: ${TOTAL} rows with status, rule id and usage`, async () => {
    const expected = new Map<string, Expected>();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) {
        const n = next++;
        expected.set(`d1-${n}`, await send(n));
      }
    }));
    // An aborted stream's row is written once the proxy has seen its client go: wait for the last ones.
    const db = new Database(join(dir, 'audit.db'), { readonly: true });
    const pending = db.prepare("SELECT COUNT(*) AS n FROM interactions WHERE outcome <> 'started'");
    for (let attempt = 0; attempt < 100 && (pending.get() as { n: number }).n < TOTAL; attempt++) {
      await proxy.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rows = db.prepare('SELECT execution_id AS id, status, outcome, decisions, input_tokens, output_tokens FROM interactions').all() as Row[];
    db.close();

    expect(rows).toHaveLength(TOTAL);
    expect(new Set(rows.map((row) => row.id)).size).toBe(TOTAL);
    const wrong = rows.filter((row) => {
      const want = expected.get(row.id);
      if (!want || row.status !== want.status || row.outcome !== want.outcome) return true;
      const rules = (JSON.parse(row.decisions ?? '[]') as { action?: string; ruleId?: string }[]).filter((d) => d.action === 'block').map((d) => d.ruleId);
      if (JSON.stringify(rules) !== JSON.stringify(want.rule ? [want.rule] : [])) return true;
      return want.usage && (row.input_tokens === null || row.output_tokens === null);
    });
    expect(wrong.slice(0, 5), `${wrong.length} rows wrong`).toEqual([]);
  });
});
