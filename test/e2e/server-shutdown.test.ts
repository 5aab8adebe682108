/**
 * D3 (SECURITY-TESTS.md), graceful shutdown under load: SIGTERM to the bundled server (a child
 * process, its config in a file) while 20 streams in five wire formats are live. It stops taking
 * connections, lets the streams that finish within `server.drainTimeoutMs` end well, ends the
 * rest with an error event in their own dialect, writes every row, and exits 0.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/index.js';
import { refusedCli, startCli } from '../helpers/cli-server.js';
import { type RawUpstream, startRawStreamUpstream } from '../helpers/raw-stream-upstream.js';
import { FORMAT, FORMATS, type FormatId, type StreamFormat, TEXT } from '../helpers/stream-formats.js';

let up: RawUpstream;
let dir: string;

beforeAll(async () => {
  up = await startRawStreamUpstream();
  dir = mkdtempSync(join(tmpdir(), 'archestra-shutdown-'));
});
afterAll(() => up.close());

function writeConfig(name: string, config: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** A stream through the server: resolves `opened` once its first event is in, `output` once it ends. */
function openStream(url: string, format: StreamFormat, headers: Record<string, string>) {
  const template = format.request(headers);
  const { pathname, search } = new URL(template.url);
  let opened!: () => void;
  const firstEvent = new Promise<void>((resolve) => (opened = resolve));
  const output = (async () => {
    const response = await fetch(`${url}/v1${pathname}${search}`, { method: 'POST', headers: template.headers, body: await template.text() });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      text += decoder.decode(next.value, { stream: true });
      if (format.events(text).length > 0) opened();
    }
    return text;
  })();
  return { firstEvent, output };
}

describe('D3: SIGTERM with 20 live streams', () => {
  it('stops taking connections; the streams done within the drain time end well, the rest with an error event in their dialect; one row each; exit 0', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Each answer starts at once; a "quick" one ends when released (after SIGTERM), a "stuck" one never.
    up.reply((request) => {
      const format = FORMAT[request.headers['x-test-format'] as FormatId];
      const [first, ...rest] = format.golden();
      const steps = request.headers['x-test-fate'] === 'quick' ? [first!, { until: released }, ...rest] : [first!, { hang: true as const }];
      return { headers: { 'content-type': format.contentType }, steps };
    });
    const db = join(dir, 'drain.db');
    const configPath = writeConfig('drain.json', {
      server: { port: 0, drainTimeoutMs: 1500 },
      store: db,
      providers: {
        openai: { baseUrl: `${up.url}/v1`, apiKey: 'sk-drain' },
        anthropic: { baseUrl: up.url, apiKey: 'sk-ant-drain' },
        gemini: { baseUrl: up.url, apiKey: 'gemini-drain' },
        ollama: { baseUrl: up.url },
      },
      policies: { dataLeak: { secrets: 'off' } },
    });
    const server = await startCli(['--config', configPath]);

    const streams = FORMATS.flatMap((format) =>
      ['quick', 'stuck', 'quick', 'stuck'].map((fate, index) => {
        const sessionId = `${format.id}-${fate}-${index}`;
        return { format, fate, sessionId, ...openStream(server.url, format, { 'x-archestra-session-id': sessionId, 'x-test-format': format.id, 'x-test-fate': fate }) };
      }),
    );
    expect(streams).toHaveLength(20);
    await Promise.all(streams.map((stream) => stream.firstEvent));

    server.child.kill('SIGTERM');
    await expect.poll(() => server.output(), { timeout: 5000 }).toContain('SIGTERM: finishing in-flight requests');
    // No new connections...
    const refused = await fetch(`${server.url}/healthz`).then(
      () => 'accepted',
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    // ...while those in flight go on: the quick ones now end, well within the drain time.
    release();

    const outputs = await Promise.all(streams.map((stream) => stream.output));
    expect((await server.exited).code).toBe(0);
    for (const [index, { format, fate }] of streams.entries()) {
      const output = outputs[index]!;
      if (fate === 'quick') {
        expect(format.errorAtEnd(output), `${format.label} quick`).toBeNull();
        expect(format.succeeded(output), `${format.label} quick`).toBe(true);
        expect(format.text(output)).toBe(TEXT);
      } else {
        expect(format.errorAtEnd(output), `${format.label} stuck`).toBe('The proxy is shutting down.');
        expect(format.succeeded(output), `${format.label} stuck`).toBe(false);
      }
    }
    expect(server.output()).not.toContain('still in flight');

    // The WAL was checkpointed into the database and removed: the file alone holds every row.
    expect(existsSync(`${db}-wal`)).toBe(false);
    const store = createSqliteStore(db);
    const rows = await store.listInteractions({ limit: 100 });
    await store.close();
    expect(rows).toHaveLength(20);
    for (const { fate, sessionId } of streams) {
      const row = rows.find((candidate) => candidate.sessionId === sessionId);
      expect(row, sessionId).toMatchObject(fate === 'quick' ? { stream: true, status: 200, outcome: 'ok', error: null } : { stream: true, outcome: 'upstream_error', error: 'The proxy is shutting down.' });
    }
  });

  it('refuses a bad server limit in the config file, naming the field', async () => {
    const bad = await refusedCli(['--config', writeConfig('bad-drain.json', { server: { port: 0, drainTimeoutMs: 'soon' } })]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('server.drainTimeoutMs');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
