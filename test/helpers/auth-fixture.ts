/**
 * The proxy the authentication e2e tests share: provider keys refused (virtual keys only), a
 * configured OpenAI key that must never become an anonymous pass, upstreams that record every
 * request, the proxy mounted with `nodeProxy` at `/v1` on 127.0.0.1, and a set of virtual keys.
 * Everything the proxy prints, traces, records or exposes as metrics is kept for leak checks.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { vi } from 'vitest';
import { createProxy, type Proxy, type ProxyConfig } from '../../src/index.js';
import { nodeProxy } from '../../src/ways-in/node.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';
import { type Listening, startAnthropicUpstream } from './auth-servers.js';
import { listen } from './way-in.js';

export const MASTER_KEY = randomBytes(32).toString('hex');
/** The real provider secrets, sealed inside virtual keys. */
export const OPENAI_SECRET = 'sk-proj-REALOPENAISECRET-5d8c1f77';
export const ANTHROPIC_SECRET = 'sk-ant-api03-REALANTHROPICSECRET-9e2b';
/** The key the configuration holds for OpenAI: used only for keys that carry none. */
export const CONFIGURED_KEY = 'sk-proj-CONFIGUREDKEY-0a1b2c3d';
export const LOCKED_PROFILE = 'locked';

export interface IssuedKey {
  id: string;
  key: string;
}

export interface AuthFixture {
  up: ScriptedOpenAI;
  anthropic: Listening;
  proxy: Proxy;
  /** The nodeProxy server's origin; the proxy is under `/v1`. */
  origin: string;
  keys: {
    /** Carries OPENAI_SECRET; any provider, any profile. */
    openai: IssuedKey;
    /** Carries ANTHROPIC_SECRET; anthropic only. */
    anthropic: IssuedKey;
    /** Carries no secret: the configured key goes upstream. */
    plain: IssuedKey;
    /** Only the `locked` profile. */
    lockedOnly: IssuedKey;
    revoked: IssuedKey;
    expired: IssuedKey;
  };
  /** Upstream requests so far, both upstreams. */
  upstreamHits(): number;
  reset(): void;
  /** Everything that could leak: audit rows, metrics, spans, console output. */
  exposed(): Promise<{ rows: string; metrics: string; spans: string; console: string }>;
  close(): Promise<void>;
}

export async function startAuthFixture(extra: Partial<ProxyConfig> = {}): Promise<AuthFixture> {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(tracerProvider);
  const printed: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))),
  );

  const up = await startOpenAIUpstream();
  const anthropic = await startAnthropicUpstream();
  const proxy = createProxy({
    providers: {
      openai: { baseUrl: up.baseUrl, apiKey: CONFIGURED_KEY },
      anthropic: { baseUrl: anthropic.url },
      vllm: { baseUrl: up.baseUrl },
      ollama: { baseUrl: up.url },
      gemini: { baseUrl: up.url },
    },
    auth: { providerKeys: false },
    masterKey: MASTER_KEY,
    profiles: { [LOCKED_PROFILE]: { auth: { providerKeys: false, virtualKeys: true } } },
    ...extra,
  });
  const server = await listen(createServer(nodeProxy(proxy, { prefix: '/v1' })));
  const pick = ({ id, key }: IssuedKey) => ({ id, key });
  const keys = {
    openai: pick(await proxy.keys.create({ name: 'openai', secrets: { openai: OPENAI_SECRET } })),
    anthropic: pick(await proxy.keys.create({ name: 'anthropic', providers: ['anthropic'], secrets: { anthropic: ANTHROPIC_SECRET } })),
    plain: pick(await proxy.keys.create({ name: 'plain' })),
    lockedOnly: pick(await proxy.keys.create({ name: 'locked-only', proxyIds: [LOCKED_PROFILE], secrets: { openai: OPENAI_SECRET } })),
    revoked: pick(await proxy.keys.create({ name: 'revoked', secrets: { openai: OPENAI_SECRET } })),
    expired: pick(await proxy.keys.create({ name: 'expired', expiresAt: new Date(Date.now() - 60_000), secrets: { openai: OPENAI_SECRET } })),
  };
  await proxy.keys.revoke(keys.revoked.id);

  return {
    up,
    anthropic,
    proxy,
    origin: server.origin,
    keys,
    upstreamHits: () => up.requests.length + anthropic.requests.length,
    reset() {
      up.reset();
      anthropic.requests.length = 0;
    },
    async exposed() {
      await proxy.flush();
      const rows = JSON.stringify(await proxy.store.listInteractions({ limit: 100_000 }));
      const spans = JSON.stringify(exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes, status: span.status, events: span.events })));
      return { rows, metrics: await proxy.registry.metrics(), spans, console: printed.join('\n') };
    },
    async close() {
      await server.close();
      await proxy.close();
      await up.close();
      await anthropic.close();
      for (const spy of spies) spy.mockRestore();
      trace.disable();
      await tracerProvider.shutdown();
    },
  };
}

/** Every secret the fixture knows, by name, for leak assertions. */
export function fixtureSecrets(fixture: AuthFixture): Record<string, string> {
  const secrets: Record<string, string> = { OPENAI_SECRET, ANTHROPIC_SECRET, CONFIGURED_KEY, MASTER_KEY };
  for (const [name, issued] of Object.entries(fixture.keys)) secrets[`virtual key ${name}`] = issued.key;
  return secrets;
}
