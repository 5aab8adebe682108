/**
 * The generated part of the corpus: positives per detector in the places values turn up (prose,
 * env files, JSON, headers, URLs, logs, CSV), hard negatives in bulk (hashes, UUIDs, base64,
 * numbers failing Luhn or mod-97, ids, dates, versions...), and realistic mixed text (chat, logs,
 * JSON tool results). Deterministic: one seed, so `npm run bench:detectors -- --write-corpus`
 * rewrites the same files, and the gate test checks they are up to date.
 *
 * Secrets appear as `$builder` markup, built at load time (markup.ts); PII is written out.
 */
import type { CorpusLine, Group } from './corpus.js';
import { BASE64, DIGITS, type Random, SECRET_BUILDERS, seeded } from './fakes.js';
import { mark } from './markup.js';
import { card, changeOneDigit, email, IBAN_COUNTRIES, iban, PHONE_FORMATS, phone } from './pii.js';

export const GENERATOR_SEED = 7_2024;
const HEX = '0123456789abcdef';

type Lines = CorpusLine[];

function add(lines: Lines, prefix: string, group: Group, tags: readonly string[], text: string): void {
  const id = `${prefix}-${String(lines.length + 1).padStart(4, '0')}`;
  lines.push({ id, group, tags: [...tags], text });
}

// ---------------------------------------------------------------------------------------------
// Contexts a value is written in. `json` contexts take a value that is valid inside a JSON string.

const SECRET_CONTEXTS: readonly { name: string; json?: true; inline?: true; render: (v: string) => string }[] = [
  { name: 'prose', render: (v) => `Here is my key: ${v}. Keep it safe.` },
  { name: 'chat', render: (v) => `hey, can you check why ${v} stopped working since yesterday?` },
  { name: 'env', render: (v) => `# staging\nexport API_KEY="${v}"\nexport DEBUG=1\n` },
  { name: 'dotenv', render: (v) => `SERVICE_TOKEN=${v}\nPORT=8080` },
  { name: 'yaml', render: (v) => `credentials:\n  token: ${v}\n  region: eu-west-1` },
  { name: 'json', json: true, render: (v) => `{"name":"deploy","token":"${v}","retries":3}` },
  { name: 'header', inline: true, render: (v) => `curl -H "Authorization: Bearer ${v}" https://api.example.com/v1/me` },
  { name: 'url', inline: true, render: (v) => `GET https://api.example.com/v1/items?key=${v}&limit=10 200 OK` },
  { name: 'log', render: (v) => `2024-05-17T10:30:00.123Z WARN auth: retrying with credential ${v} (attempt 2)` },
  { name: 'code', render: (v) => `const client = new Client({\n  apiKey: '${v}',\n  timeout: 30_000,\n});` },
  { name: 'markdown', render: (v) => `Paste this into your config:\n\n\`\`\`\n${v}\n\`\`\`\n` },
];

const PII_CONTEXTS: readonly { name: string; json?: true; render: (v: string) => string }[] = [
  { name: 'prose', render: (v) => `You can reach me at ${v} any time after 5pm.` },
  { name: 'form', render: (v) => `Name: Jane Doe\nContact: ${v}\nCity: Berlin` },
  { name: 'json', json: true, render: (v) => `{"customer":{"id":1042,"contact":"${v}","vip":false}}` },
  { name: 'csv', render: (v) => `id,name,contact,city\n17,Jane Doe,${v},Lyon` },
  { name: 'chat', render: (v) => `ok so the details are ${v}, please update the record` },
  { name: 'log', render: (v) => `2024-05-17 10:30:00 INFO billing: updated ${v} for account 88231` },
  { name: 'parens', render: (v) => `Please use the new one (${v}) from now on.` },
];

// ---------------------------------------------------------------------------------------------
// Positives

function secretPositives(r: Random): Lines {
  const lines: Lines = [];
  for (const [name, builder] of Object.entries(SECRET_BUILDERS)) {
    const escapedPem = name === 'pem_escaped';
    const multiline = builder.detector === 'private_key' && !escapedPem;
    for (const context of SECRET_CONTEXTS) {
      if (multiline && (context.json || context.inline)) continue;
      if (escapedPem && !context.json) continue;
      add(lines, 'gen-secret', 'positive', [builder.detector, `builder:${name}`, `context:${context.name}`], context.render(mark(builder.detector, `$${name}`)));
    }
    // Obfuscations the fold undoes (gated), and documented limits (reported apart).
    if (builder.detector !== 'private_key') {
      for (const transform of ['zw', 'fullwidth']) {
        add(lines, 'gen-secret', 'positive', [builder.detector, `builder:${name}`, `obfuscation:${transform}`], r.pick(SECRET_CONTEXTS.filter((c) => !c.json)).render(mark(builder.detector, `$${name}|${transform}`)));
      }
      add(lines, 'gen-secret', 'positive', [builder.detector, `builder:${name}`, 'obfuscation:split', 'limit'], `{"part1": "${mark(builder.detector, `$${name}|split`)}"}`);
      add(lines, 'gen-secret', 'positive', [builder.detector, `builder:${name}`, 'obfuscation:base64', 'limit'], `encoded: ${mark(builder.detector, `$${name}|base64`)}`);
      add(lines, 'gen-secret', 'positive', [builder.detector, `builder:${name}`, 'obfuscation:spaced', 'limit'], `key (spaced out): ${mark(builder.detector, `$${name}|spaced`)}`);
    }
  }
  return lines;
}

function piiPositives(r: Random): Lines {
  const lines: Lines = [];
  const each = (detector: string, tags: string[], value: string) => {
    const context = r.pick(PII_CONTEXTS);
    add(lines, 'gen-pii', 'positive', [detector, ...tags, `context:${context.name}`], context.render(mark(detector, value)));
  };
  for (let i = 0; i < 120; i++) each('email', [], email(r));
  for (const format of Object.keys(PHONE_FORMATS)) for (let i = 0; i < 8; i++) each('phone', [`format:${format}`], phone(r, format).value);
  for (const format of ['compact', 'spaced', 'dashed'] as const) {
    for (let i = 0; i < 50; i++) {
      const { kind, value } = card(r, format);
      each('credit_card', [`format:${format}`, `issuer:${kind}`], value);
    }
  }
  for (const country of IBAN_COUNTRIES) {
    for (const format of ['grouped', 'compact', 'lower-compact', 'lower-grouped'] as const) {
      for (let i = 0; i < 3; i++) each('iban', [`country:${country}`, `format:${format}`], iban(r, country, format));
    }
  }
  // Obfuscated PII the fold undoes.
  for (let i = 0; i < 10; i++) {
    const value = card(r, 'spaced').value;
    each('credit_card', ['obfuscation:fullwidth'], value.replace(/\d/g, (digit) => String.fromCharCode(digit.charCodeAt(0) + 0xfee0)));
    each('credit_card', ['obfuscation:zw'], value.replace(/ /g, '\u200D'));
    const address = email(r);
    each('email', ['obfuscation:zw'], address.replace('@', '\u200B@'));
    each('iban', ['obfuscation:nbsp'], iban(r, r.pick(IBAN_COUNTRIES), 'grouped').replace(/ /g, '\u00A0'));
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Hard negatives

const uuid = (r: Random) => [8, 4, 4, 4, 12].map((n) => r.token(n, HEX)).join('-');

function hardNegatives(r: Random): Lines {
  const lines: Lines = [];
  const neg = (tag: string, text: string) => add(lines, 'gen-neg', 'negative', [`negative:${tag}`], text);
  for (let i = 0; i < 60; i++) neg('uuid', r.pick([`request id ${uuid(r)}`, `{"trace_id":"${uuid(r)}","span_id":"${r.token(16, HEX)}"}`, `/api/v2/orders/${uuid(r)}/items`, uuid(r).toUpperCase()]));
  for (let i = 0; i < 60; i++) neg('sha256', r.pick([`sha256:${r.token(64, HEX)}`, `${r.token(64, HEX)}  dist/app.tar.gz`, `"integrity": "sha256-${r.token(43, BASE64)}="`, `docker pull registry.example.com/app@sha256:${r.token(64, HEX)}`]));
  for (let i = 0; i < 40; i++) neg('sha1', r.pick([`commit ${r.token(40, HEX)}`, `Merge ${r.token(7, HEX)} into ${r.token(7, HEX)}`, `etag: W/"${r.token(40, HEX)}"`, `md5 ${r.token(32, HEX)}`]));
  for (let i = 0; i < 40; i++) {
    const blob = r.token(64 + r.int(4000), BASE64);
    neg('base64', r.pick([`data:image/png;base64,iVBORw0KGgo${blob}==`, `{"image":"${blob}="}`, `-----BEGIN CERTIFICATE-----\n${blob.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----`, `attachment: ${blob}`]));
  }
  const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  for (let i = 0; i < 40; i++) {
    neg('akia-in-word', r.pick([
      `T${'AKIA'}${r.token(16, base32)}`,
      `${'AKIA'}${r.token(16, base32)}X`,
      `${'AKIA'}${r.token(15, base32)} is one short`,
      `${'AKIA'}${r.token(16, 'abcdefghijklmnopqrstuvwxyz')}`,
      `MAKIA${r.token(16, base32)}`,
      `DAKIAN${r.token(12, base32)} and the MAKIAGE shop`,
    ]));
  }
  for (let i = 0; i < 40; i++) neg('version', r.pick([`v${r.int(20)}.${r.int(30)}.${r.int(100)}`, `node@${18 + r.int(6)}.${r.int(20)}.${r.int(30)}`, `Windows 10.0.${19000 + r.int(1000)}.${r.int(4000)}`, `1.${r.int(9)}.${r.int(9)}-beta.${r.int(9)}+build.${r.int(9999)}`, `npm i lodash@4.17.${r.int(30)} react@18.${r.int(3)}.${r.int(9)}`, `Chrome/124.0.${6000 + r.int(400)}.${r.int(200)}`]));
  for (let i = 0; i < 40; i++) {
    const y = 2000 + r.int(30);
    const m = String(1 + r.int(12)).padStart(2, '0');
    const day = String(1 + r.int(28)).padStart(2, '0');
    neg('date', r.pick([`${y}-${m}-${day}`, `${day}/${m}/${y}`, `${day}.${m}.${y}`, `${y}-${m}-${day}T10:${r.int(6)}${r.int(10)}:00.${r.token(3, DIGITS)}+01:00`, `${y}${m}${day}T103000Z`, `Mon, ${day} Jan ${y} 10:30:00 GMT`]));
  }
  for (let i = 0; i < 40; i++) neg('timestamp', r.pick([`ts=${1_600_000_000 + r.int(200_000_000)}`, `"created": ${1_600_000_000_000 + r.int(200_000_000_000)}`, `${20240000000000 + r.int(1_000_000)}`, `elapsed 123${r.token(4, DIGITS)}ns`]));
  for (let i = 0; i < 40; i++) neg('order-number', r.pick([`Order ORD-${2020 + r.int(6)}-${r.token(6, DIGITS)} shipped`, `invoice #${r.token(9, DIGITS)}`, `PO ${r.token(10, DIGITS)}`, `tracking 1Z${r.token(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`, `ticket JIRA-${r.token(5, DIGITS)}`, `Ref. INV/2024/${r.token(5, DIGITS)}`]));
  for (let i = 0; i < 40; i++) neg('snowflake-id', r.pick([`user id 1${r.token(17 + r.int(2), DIGITS)}`, `"message_id": "1${r.token(18, DIGITS)}"`]));
  for (const format of ['compact', 'spaced', 'dashed'] as const) for (let i = 0; i < 35; i++) neg('card-luhn-invalid', `card ${changeOneDigit(r, card(r, format).value, i % 2 === 0)} was declined`);
  for (let i = 0; i < 100; i++) neg('iban-mod97-invalid', `transfer to ${changeOneDigit(r, iban(r), i % 2 === 0)} please`);
  for (let i = 0; i < 30; i++) {
    const body = `978${r.token(9, DIGITS)}`;
    neg('isbn', r.pick([`ISBN ${body.slice(0, 3)}-${body[3]}-${body.slice(4, 7)}-${body.slice(7)}-${r.int(10)}`, `ISBN-13: ${body}${r.int(10)}`, `ISBN 0-${r.token(3, DIGITS)}-${r.token(5, DIGITS)}-${r.int(10)}`]));
  }
  for (let i = 0; i < 40; i++) {
    neg('phone-like', r.pick([
      `account ${r.pick(['4', '5', '6', '7', '8'])}${r.token(9, DIGITS)}`,
      `+${1 + r.int(9)}${r.token(2, DIGITS)} items`,
      `score +${r.int(100)}.${r.token(2, DIGITS)} pts`,
      `coordinates +${10 + r.int(70)}.${r.token(6, DIGITS)}, -${100 + r.int(70)}.${r.token(6, DIGITS)}`,
      `balance +${r.token(7, DIGITS)}.${r.token(2, DIGITS)} EUR`,
      `ip 10.${r.int(256)}.${r.int(256)}.${r.int(256)}`,
      `serial ${r.token(3, DIGITS)}-${r.token(2, DIGITS)}-${r.token(4, DIGITS)}`,
    ]));
  }
  for (let i = 0; i < 40; i++) neg('url', r.pick([`https://example.com/search?q=${r.token(8, 'abcdefghij')}&page=${r.int(50)}&ts=${1_700_000_000 + r.int(1e8)}`, `https://cdn.example.net/assets/${r.token(20, HEX)}/logo@2x.png`, `https://github.com/example/repo/blob/${r.token(40, HEX)}/src/index.ts#L${r.int(500)}`, `https://medium.com/@${r.pick(['jane', 'dev'])}/post-${r.token(12, HEX)}`, `s3://bucket-${r.int(99)}/logs/2024/05/17/${uuid(r)}.json.gz`]));
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Mixed: realistic text with any number of labelled values

const FILLER = [
  'Thanks for the quick reply.',
  'The deployment finished at 10:42 with build 2024.05.17-3.',
  'Could you take another look at PR #4821 before Friday?',
  'I ran the migration twice; the second run was a no-op.',
  'Latency p99 went from 230 ms to 180 ms after the change.',
  'See section 4.2 of the runbook, step 3.',
  'Order 100234 was refunded (amount 149.99 EUR).',
  'The container image is 312 MB, down from 1.2 GB.',
  'Version 3.11.4 fixes the regression from 3.11.2.',
  'Meeting moved to 2024-06-03 at 15:00 CET.',
];

type ValueMaker = (r: Random, json: boolean) => string;

const MIXED_VALUES: readonly ValueMaker[] = [
  (r) => mark('email', email(r)),
  (r) => mark('phone', phone(r, r.pick(Object.keys(PHONE_FORMATS).filter((f) => f.includes('intl') || f.startsWith('us-')))).value),
  (r) => mark('credit_card', card(r).value),
  (r) => mark('iban', iban(r)),
  (r, json) => {
    const [name, builder] = r.pick(Object.entries(SECRET_BUILDERS).filter(([n, b]) => b.detector !== 'private_key' || n === (json ? 'pem_escaped' : 'pem_pkcs8')));
    return mark(builder.detector, `$${name}`);
  },
];

function mixed(r: Random): Lines {
  const lines: Lines = [];
  const values = (json: boolean) => Array.from({ length: r.int(4) }, () => r.pick(MIXED_VALUES)(r, json));
  for (let i = 0; i < 150; i++) {
    const parts = [...Array.from({ length: 2 + r.int(4) }, () => r.pick(FILLER)), ...values(false).map((v) => r.pick([`My details: ${v}.`, `use ${v} for now`, `(${v})`, `-> ${v}`]))];
    for (let k = parts.length - 1; k > 0; k--) {
      const j = r.int(k + 1);
      [parts[k], parts[j]] = [parts[j] as string, parts[k] as string];
    }
    add(lines, 'gen-mix', 'mixed', ['mixed:chat'], parts.join(' '));
  }
  for (let i = 0; i < 120; i++) {
    const rows = Array.from({ length: 3 + r.int(6) }, (_, k) => `2024-05-17T10:${String(k).padStart(2, '0')}:${r.token(2, '012345')}.${r.token(3, DIGITS)}Z ${r.pick(['INFO', 'WARN', 'DEBUG'])} ${r.pick(['http', 'db', 'auth', 'worker'])}: ${r.pick([`GET /v1/orders/${uuid(r)} 200 ${r.int(900)}ms`, `pool size=${r.int(64)} idle=${r.int(10)}`, `job ${r.token(24, HEX)} done in ${r.int(9999)}ms`, `cache hit ratio 0.${r.token(3, DIGITS)}`, `retry 2/5 after ${r.int(3000)}ms`])}`);
    for (const value of values(false)) rows.splice(r.int(rows.length + 1), 0, `2024-05-17T10:59:59.999Z WARN audit: value ${value} seen in payload`);
    add(lines, 'gen-mix', 'mixed', ['mixed:log'], rows.join('\n'));
  }
  for (let i = 0; i < 120; i++) {
    const record: Record<string, unknown> = {
      id: uuid(r),
      order: `ORD-${r.token(6, DIGITS)}`,
      created_at: `2024-0${1 + r.int(9)}-1${r.int(10)}T0${r.int(10)}:00:00Z`,
      total: Number(`${r.int(1000)}.${r.token(2, DIGITS)}`),
      sha: r.token(40, HEX),
      items: Array.from({ length: 1 + r.int(3) }, () => ({ sku: `SKU-${r.token(8, DIGITS)}`, qty: 1 + r.int(5) })),
    };
    const keys = ['contact', 'billing', 'note', 'secondary', 'token'];
    values(true).forEach((value, k) => {
      record[keys[k] as string] = value;
    });
    add(lines, 'gen-mix', 'mixed', ['mixed:tool-result'], JSON.stringify({ role: 'tool', tool_call_id: `call_${r.token(24, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`, content: JSON.stringify(record) }));
  }
  return lines;
}

/** The generated corpus files, by name. */
export function generateCorpus(seed = GENERATOR_SEED): Record<string, Lines> {
  const r = seeded(seed);
  return {
    'generated-positives.jsonl': [...secretPositives(r), ...piiPositives(r)],
    'generated-negatives.jsonl': hardNegatives(r),
    'generated-mixed.jsonl': mixed(r),
  };
}

/** One JSON object a line; non-ASCII other than the markup brackets escaped, so invisible characters stay visible. */
export function toJsonl(lines: Lines): string {
  return lines.map((line) => JSON.stringify(line).replace(/[^\x20-\x7e⟦⟧]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('\n') + '\n';
}
