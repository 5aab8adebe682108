import { describe, expect, it } from 'vitest';
import { routeNative } from '../pipeline/route.js';
import { providerAdapters } from './registry.js';
import { azureAdapter } from './azure/index.js';
import { openaiCompatibleAdapter } from './openai-compatible.js';

/** The built-in adapters, and those a configuration makes (Azure, an OpenAI-compatible API). */
const adapters = [...Object.values(providerAdapters).map((adapter) => adapter!), azureAdapter({ apiVersion: '2024-10-21' }), openaiCompatibleAdapter('groq', true)];

describe('every adapter\'s text request (the dual-LLM quarantine\'s own calls)', () => {
  it('only Bedrock has none yet: its results marked sanitize are withheld rather than sanitized', () => {
    expect(adapters.filter((adapter) => adapter.encodeTextRequest === undefined).map((adapter) => adapter.name)).toEqual(['bedrock']);
  });

  it.each(adapters.filter((adapter) => adapter.encodeTextRequest !== undefined).map((adapter) => [adapter.name, adapter] as const))('%s: a non-streaming request on a route the adapter serves, read back by readResponse', (_, adapter) => {
    const call = adapter.encodeTextRequest!({ model: 'some-model', system: 'the rules', user: 'the question', answerSchema: { type: 'object' } });
    const route = routeNative(adapter, 'POST', call.nativePath.split('/').slice(1), 'default');
    expect(route.kind).toBe('match');
    expect(route.kind === 'match' && route.match.route.operation).toBe(call.operation);
    expect(JSON.stringify(call.body)).toContain('the rules');
    expect(JSON.stringify(call.body)).toContain('the question');
    expect((call.body as { stream?: unknown }).stream ?? false).toBe(false);
  });
});
