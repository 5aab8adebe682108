/**
 * The model router under test: a proxy in front of scripted OpenAI, Anthropic and Gemini
 * upstreams, and the openai SDK pointed at its `/router` (through `proxy.handle`), with a virtual
 * key (the router takes no provider key).
 */
import OpenAI from 'openai';
import { type Proxy, type ProxyConfig, createProxy } from '../../src/index.js';
import { type ScriptedAnthropic, startAnthropicUpstream } from '../upstream/anthropic.js';
import { type ScriptedGemini, startGeminiUpstream } from '../upstream/gemini.js';
import { type ScriptedOpenAI, startOpenAIUpstream } from '../upstream/openai.js';

export const ANTHROPIC_KEY = 'sk-ant-api03-router-configured';
export const GEMINI_KEY = 'AIzaSy-router-configured-key';
export const OPENAI_KEY = 'sk-proj-router-configured-key';

export interface RouterUpstreams {
  openai: ScriptedOpenAI;
  anthropic: ScriptedAnthropic;
  gemini: ScriptedGemini;
  close(): Promise<void>;
}

export async function startRouterUpstreams(): Promise<RouterUpstreams> {
  const [openai, anthropic, gemini] = await Promise.all([startOpenAIUpstream(), startAnthropicUpstream(), startGeminiUpstream()]);
  return { openai, anthropic, gemini, close: async () => void (await Promise.all([openai.close(), anthropic.close(), gemini.close()])) };
}

/** The providers section pointing at the scripted upstreams, with configured keys. */
export function routerProviders(up: RouterUpstreams): ProxyConfig['providers'] {
  return {
    openai: { baseUrl: `${up.openai.url}/v1`, apiKey: OPENAI_KEY },
    anthropic: { baseUrl: up.anthropic.url, apiKey: ANTHROPIC_KEY },
    gemini: { baseUrl: up.gemini.url, apiKey: GEMINI_KEY },
  };
}

export interface RouterClient {
  proxy: Proxy;
  client: OpenAI;
  /** The virtual key the client sends. */
  key: string;
}

/** A proxy (config on top of the scripted providers), a virtual key, and the openai SDK at `<mount>/<path>`. */
export async function routerClient(up: RouterUpstreams, config: Partial<ProxyConfig> = {}, path = 'router'): Promise<RouterClient> {
  const proxy = createProxy({ providers: routerProviders(up), ...config });
  const { key } = await proxy.keys.create({ name: 'router-test' });
  const client = new OpenAI({ apiKey: key, baseURL: `http://proxy/${path}`, maxRetries: 0, fetch: (input, init) => proxy.handle(new Request(String(input), init)) });
  return { proxy, client, key };
}
