import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { type LoadConfigOptions, loadConfig } from './load-config.js';

/** The bundled server's connection limits, as their defaults fill them in. */
const SERVER_LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 4096, drainTimeoutMs: 10_000 };

const dir = mkdtempSync(join(tmpdir(), 'archestra-load-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A config file holding `content` (JSON-encoded unless it is a string already). */
function configFile(content: unknown): string {
  const path = join(dir, `config-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** The message of the ConfigError `loadConfig` refuses these options with (no other environment). */
async function refusal(options: LoadConfigOptions): Promise<string> {
  try {
    await loadConfig({ env: {}, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected loadConfig to refuse the configuration');
}

describe('loadConfig: the config file is validated whole, server block included', () => {
  it.each([
    ['a host that is a number (would bind every interface)', { server: { host: 5 } }, 'server.host: expected an IP address or a host name'],
    ['a host that is no host', { server: { host: 'my host' } }, 'server.host: expected an IP address or a host name'],
    ['a host in URL brackets', { server: { host: '[::1]' } }, 'server.host: expected an IP address or a host name'],
    ['an empty host', { server: { host: '' } }, 'server.host: expected an IP address or a host name'],
    ['a port that is a string (would become a UNIX socket)', { server: { port: 'abc' } }, 'server.port: expected a port number from 0 to 65535'],
    ['a port given as a numeric string', { server: { port: '9000' } }, 'server.port: expected a port number'],
    ['a port just over the range', { server: { port: 65_536 } }, 'server.port: expected a port number'],
    ['a negative port', { server: { port: -1 } }, 'server.port: expected a port number'],
    ['a fractional port', { server: { port: 9000.5 } }, 'server.port: expected a port number'],
    ['a server block that is not an object', { server: 'localhost:9000' }, 'server: '],
    ['a short metrics token', { server: { metrics: { token: 'fifteen-chars..' } } }, 'server.metrics.token: expected at least 16 printable ASCII characters'],
    ['a metrics token with a space', { server: { metrics: { token: 'sixteen chars and more' } } }, 'server.metrics.token: expected at least 16 printable ASCII characters'],
    ['a metrics port that is the main port', { server: { port: 9100, metrics: { port: 9100 } } }, 'server.metrics.port: is the main port'],
    ['a metrics host without a metrics port', { server: { metrics: { host: '0.0.0.0' } } }, 'server.metrics.host: applies only with server.metrics.port'],
    ['a proxy field (the same schema as createProxy)', { providers: { openai: { baseUrl: 'not a url' } } }, 'providers.openai.baseUrl: expected an http(s) URL'],
    ['a store that is not a path', { store: 5 }, 'store: expected a SQLite file path'],
  ])('refuses %s, naming the field', async (_, content, expected) => {
    const path = configFile(content);
    const message = await refusal({ configPath: path });
    expect(message).toContain(`Invalid config file ${path}:`);
    expect(message).toContain(`  - ${expected}`);
  });

  it.each([
    ['server.hots', { server: { hots: '127.0.0.1' } }, 'did you mean "host"?'],
    ['server.prot', { server: { prot: 9000 } }, 'did you mean "port"?'],
    ['server.metrics.tokn', { server: { metrics: { tokn: 'x' } } }, 'did you mean "token"?'],
    ['provider', { provider: {} }, 'did you mean "providers"?'],
    ['providers.openai.baseURL', { providers: { openai: { baseURL: 'http://127.0.0.1:1/v1' } } }, 'did you mean "baseUrl"?'],
    ['audit.bodys', { audit: { bodys: false } }, 'did you mean "bodies"?'],
    ['upstream.connectTimeout', { upstream: { connectTimeout: 5 } }, 'did you mean "connectTimeoutMs"?'],
    ['profiles.bot.policy', { profiles: { bot: { policy: {} } } }, 'did you mean "policies"?'],
    ['policies.tools.0.toool', { policies: { tools: [{ tool: 'send_*', action: 'block', toool: 1 }] } }, 'did you mean "tool"?'],
    ['server.colour', { server: { colour: 'blue' } }, 'the known ones are host, port, metrics'],
  ])('refuses the unknown field %s, naming it and the closest known field', async (field, content, hint) => {
    const message = await refusal({ configPath: configFile(content) });
    expect(message).toContain(`  - ${field}: unknown field; ${hint}`);
  });

  it('names every bad field at once', async () => {
    const message = await refusal({ configPath: configFile({ server: { host: 5, port: 'abc', hots: 1 }, audit: { bodys: true } }) });
    for (const field of ['server.host', 'server.port', 'server.hots', 'audit.bodys']) expect(message).toContain(`  - ${field}: `);
  });

  it('accepts the edges: ports 0 and 65535, IPv4, IPv6 (with a zone), host names, a 16-character token', async () => {
    for (const [host, port] of [['0.0.0.0', 0], ['::', 65_535], ['::1', 1], ['fe80::1%eth0', 9000], ['localhost', 9000], ['proxy_1.internal', 9000]] as const) {
      const loaded = await loadConfig({ env: {}, configPath: configFile({ server: { host, port } }) });
      expect(loaded.server).toMatchObject({ host, port });
    }
    const loaded = await loadConfig({ env: {}, configPath: configFile({ server: { metrics: { token: '0123456789abcdef', port: 9464, host: '0.0.0.0' } } }) });
    expect(loaded.server.metrics).toEqual({ token: '0123456789abcdef', port: 9464, host: '0.0.0.0' });
  });

  it('fills in the defaults, and hands the proxy part on unchanged (without the server block)', async () => {
    const proxyPart = { providers: { openai: { baseUrl: 'http://127.0.0.1:1/v1' } }, audit: { bodies: false }, profiles: { bot: {} } };
    const loaded = await loadConfig({ env: {}, configPath: configFile({ server: {}, ...proxyPart }) });
    expect(loaded.server).toEqual({ host: '127.0.0.1', port: 9000, metrics: {}, ...SERVER_LIMITS });
    expect(loaded.proxy).toEqual({ ...proxyPart, store: 'archestra.db' });
    expect(await loadConfig({ env: {} })).toEqual({ server: { host: '127.0.0.1', port: 9000, metrics: {}, ...SERVER_LIMITS }, proxy: { store: 'archestra.db' } });
  });
});

describe('loadConfig: a file that is not a JSON object', () => {
  it.each([
    ['a trailing comma', '{\n  "server": {\n    "port": 9000,\n  }\n}', 'line 4, column 3: a comma before "}" (JSON allows no trailing comma)'],
    ['a missing comma', '{\n  "store": "a.db"\n  "server": {}\n}', 'line 3, column 3: expected "," or "}", found "\\""'],
    ['a comment', '{\n  // the port\n  "server": {}\n}', 'line 2, column 3: expected a field name in double quotes, found "/" (JSON has no comments)'],
    ['single quotes', "{ 'store': 'a.db' }", `line 1, column 3: expected a field name in double quotes, found "'" (JSON strings take double quotes)`],
    ['an unquoted field name', '{\n\tserver: {}\n}', 'line 2, column 2: expected a field name in double quotes, found "s"'],
    ['a string left open', '{ "store": "a.db }', 'line 1, column 19: a string that never ends (a missing closing ")'],
    ['a cut-off file', '{ "server": { "port": 9000 }', 'line 1, column 29: expected "," or "}", found the end of the file'],
    ['a bad number', '{ "server": { "port": 09000 } }', 'line 1, column 23: expected a value, found "0"'],
    ['text after the object', '{}\n{}', 'line 2, column 1: expected the end of the file after the value, found "{"'],
    ['an empty file', '  \n', 'the file is empty'],
  ])('gives the line and column of %s', async (_, text, expected) => {
    const path = configFile(text);
    expect(await refusal({ configPath: path })).toBe(`The config file ${path} is not valid JSON: ${expected}.`);
  });

  it('refuses JSON that is not an object, and a file that cannot be read', async () => {
    expect(await refusal({ configPath: configFile('[1, 2]') })).toMatch(/must hold a JSON object .*; it holds an array\.$/);
    expect(await refusal({ configPath: configFile('"proxy"') })).toMatch(/it holds a string\.$/);
    expect(await refusal({ configPath: join(dir, 'missing.json') })).toBe(`Cannot read the config file ${JSON.stringify(join(dir, 'missing.json'))}: no such file.`);
    expect(await refusal({ configPath: dir })).toBe(`Cannot read the config file ${JSON.stringify(dir)}: it is a directory.`);
  });

  it('reads a file saved with a byte order mark', async () => {
    const loaded = await loadConfig({ env: {}, configPath: configFile('\uFEFF{ "server": { "port": 9100 } }') });
    expect(loaded.server.port).toBe(9100);
  });
});

describe('loadConfig: environment variables and flags', () => {
  it.each([
    [{ ARCHESTRA_PORT: 'abc' }, '  - ARCHESTRA_PORT: expected a port number from 0 to 65535 (0 picks a free port); got "abc"'],
    [{ ARCHESTRA_PORT: '65536' }, '  - ARCHESTRA_PORT: expected a port number from 0 to 65535 (0 picks a free port); got "65536"'],
    [{ ARCHESTRA_PORT: '0x50' }, '  - ARCHESTRA_PORT: expected a port number from 0 to 65535 (0 picks a free port); got "0x50"'],
    [{ ARCHESTRA_PORT: '' }, '  - ARCHESTRA_PORT: is set but empty (unset it, or give it a value)'],
    [{ ARCHESTRA_HOST: '' }, '  - ARCHESTRA_HOST: is set but empty (unset it, or give it a value)'],
    [{ ARCHESTRA_HOST: 'http://localhost' }, '  - ARCHESTRA_HOST: expected an IP address or a host name, such as 127.0.0.1, ::1, 0.0.0.0 or localhost; got "http://localhost"'],
    [{ ARCHESTRA_DB: '' }, '  - ARCHESTRA_DB: is set but empty (unset it, or give it a value)'],
    [{ ARCHESTRA_OPENAI_BASE_URL: 'localhost:8000' }, '  - ARCHESTRA_OPENAI_BASE_URL: expected an http(s) URL such as https://api.openai.com/v1; got "localhost:8000"'],
    [{ ARCHESTRA_OLLAMA_BASE_URL: '' }, '  - ARCHESTRA_OLLAMA_BASE_URL: is set but empty (unset it, or give it a value)'],
    [{ ARCHESTRA_ANTHROPIC_API_KEY: '' }, '  - ARCHESTRA_ANTHROPIC_API_KEY: is set but empty (unset it, or give it a value)'],
  ])('refuses %o, naming the variable', async (env, line) => {
    expect(await refusal({ env })).toBe(`Invalid configuration:\n${line}`);
  });

  it('never quotes a bad metrics token', async () => {
    const message = await refusal({ env: { ARCHESTRA_METRICS_TOKEN: 'short-secret' } });
    expect(message).toBe('Invalid configuration:\n  - ARCHESTRA_METRICS_TOKEN: expected at least 16 printable ASCII characters without spaces (make one with: openssl rand -hex 32)');
    expect(message).not.toContain('short-secret');
  });

  it('reads the admin token from ARCHESTRA_ADMIN_TOKEN, and never quotes a bad one', async () => {
    expect((await loadConfig({ env: { ARCHESTRA_ADMIN_TOKEN: 'admin-token-0123456789' } })).proxy.admin).toEqual({ token: 'admin-token-0123456789' });
  });

  it('a well-known OpenAI-compatible API and Azure from the environment alone', async () => {
    const env = { ARCHESTRA_GROQ_API_KEY: 'gsk_from_env_0123456789', ARCHESTRA_AZURE_BASE_URL: 'https://res.openai.azure.com', ARCHESTRA_AZURE_API_KEY: 'azure-from-env' };
    expect((await loadConfig({ env })).proxy.providers).toEqual({ groq: { apiKey: 'gsk_from_env_0123456789' }, azure: { baseUrl: 'https://res.openai.azure.com', apiKey: 'azure-from-env' } });
    const message = await refusal({ env: { ARCHESTRA_ADMIN_TOKEN: 'short-secret' } });
    expect(message).toBe('Invalid configuration:\n  - ARCHESTRA_ADMIN_TOKEN: expected at least 16 printable ASCII characters without spaces (make one with: openssl rand -hex 32)');
    expect(message).not.toContain('short-secret');
  });

  it.each([
    [{ port: 'abc' }, '  - --port: expected a port number from 0 to 65535 (0 picks a free port); got "abc"'],
    [{ port: '-1' }, '  - --port: expected a port number from 0 to 65535 (0 picks a free port); got "-1"'],
    [{ port: '' }, '  - --port: is empty'],
    [{ host: '' }, '  - --host: is empty'],
    [{ host: 'a host' }, '  - --host: expected an IP address or a host name, such as 127.0.0.1, ::1, 0.0.0.0 or localhost; got "a host"'],
    [{ db: '' }, '  - --db: is empty'],
  ])('refuses the flags %o, naming the flag', async (flags, line) => {
    expect(await refusal({ flags })).toBe(`Invalid configuration:\n${line}`);
  });

  it('names every bad variable and flag at once', async () => {
    const message = await refusal({ env: { ARCHESTRA_PORT: 'abc', ARCHESTRA_HOST: '' }, flags: { port: 'x' } });
    expect(message.split('\n').slice(1)).toEqual([
      '  - ARCHESTRA_PORT: expected a port number from 0 to 65535 (0 picks a free port); got "abc"',
      '  - ARCHESTRA_HOST: is set but empty (unset it, or give it a value)',
      '  - --port: expected a port number from 0 to 65535 (0 picks a free port); got "x"',
    ]);
  });

  it('a bad file field is refused even where a variable or flag would override it', async () => {
    const message = await refusal({ configPath: configFile({ server: { port: 'abc' } }), env: { ARCHESTRA_PORT: '9001' }, flags: { port: '9002' } });
    expect(message).toContain('  - server.port: expected a port number');
  });

  it('checks how the sources combine: a metrics port in the file against the main port from a variable', async () => {
    const message = await refusal({ configPath: configFile({ server: { metrics: { port: 9464 } } }), env: { ARCHESTRA_PORT: '9464' } });
    expect(message).toContain('  - server.metrics.port: is the main port');
  });

  it('flags win over the environment, the environment over the file, the file over the defaults', async () => {
    const file = configFile({ server: { host: '::1', port: 9001, metrics: { token: 'file-token-0123456789' } }, store: 'file.db', providers: { openai: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-file' } } });
    const fromFile = await loadConfig({ env: {}, configPath: file });
    expect(fromFile.server).toEqual({ host: '::1', port: 9001, metrics: { token: 'file-token-0123456789' }, ...SERVER_LIMITS });
    expect(fromFile.proxy.store).toBe('file.db');

    const env = { ARCHESTRA_HOST: 'localhost', ARCHESTRA_PORT: '9002', ARCHESTRA_DB: 'env.db', ARCHESTRA_METRICS_TOKEN: 'env-token-0123456789', ARCHESTRA_OPENAI_BASE_URL: 'http://127.0.0.1:2/v1/' };
    const fromEnv = await loadConfig({ env, configPath: file });
    expect(fromEnv.server).toEqual({ host: 'localhost', port: 9002, metrics: { token: 'env-token-0123456789' }, ...SERVER_LIMITS });
    expect(fromEnv.proxy.store).toBe('env.db');
    // The variable's URL goes through the same schema (trailing slash dropped); the file's key stays.
    expect(fromEnv.proxy.providers?.openai).toEqual({ baseUrl: 'http://127.0.0.1:2/v1', apiKey: 'sk-file' });

    const fromFlags = await loadConfig({ env, configPath: file, flags: { host: '0.0.0.0', port: '0', db: 'flag.db' } });
    expect(fromFlags.server).toMatchObject({ host: '0.0.0.0', port: 0 });
    expect(fromFlags.proxy.store).toBe('flag.db');
  });
});
