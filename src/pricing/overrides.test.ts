import { describe, expect, it } from 'vitest';
import { compileOverrides } from './overrides.js';

/** A price whose input rate names it, to tell which entry won. */
const price = (input: number) => ({ input, output: 0 });

describe('pricing.models: which configured price a model gets', () => {
  const lookup = compileOverrides({
    'gpt-*': price(1),
    'openai:gpt-4o*': price(2),
    'gpt-4o': price(3),
    'openai:gpt-4o-mini': price(4),
    'ollama:*': price(5),
    'llama3.2:3b': price(6),
    '*': price(7),
  });
  const input = (provider: Parameters<typeof lookup>[0], model: string) => lookup(provider, model)?.input;

  it('exact names first (the provider\'s before a bare one), then globs (the provider\'s before bare ones, in the order written)', () => {
    expect(input('openai', 'gpt-4o-mini')).toBe(4);
    expect(input('openai', 'gpt-4o')).toBe(3);
    expect(input('openai', 'gpt-4o-2024-08-06')).toBe(2);
    expect(input('vllm', 'gpt-4o-2024-08-06')).toBe(1);
    expect(input('openai', 'gpt-3.5-turbo')).toBe(1);
    expect(input('openai', 'o3-mini')).toBe(7);
  });

  it('a colon after a name that is no provider is part of the model (Ollama tags); names match without regard to case', () => {
    expect(input('vllm', 'llama3.2:3b')).toBe(6);
    expect(input('ollama', 'llama3.2:3b')).toBe(6);
    expect(input('ollama', 'qwen3:8b')).toBe(5);
    expect(input('openai', 'GPT-4O')).toBe(3);
  });

  it('no configured price: undefined (the table is asked next)', () => {
    expect(compileOverrides({ 'claude-*': price(1) })('openai', 'gpt-4o')).toBeUndefined();
  });
});

describe('compileOverrides: a configured provider name as the prefix', () => {
  it('an OpenAI-compatible API named in the configuration prices its own models (`my-llm:house-*`)', () => {
    const models = { 'my-llm:house-*': price(2), 'groq:llama-3.3-70b-versatile': price(3) };
    const lookup = compileOverrides(models, ['openai', 'groq', 'my-llm']);
    expect(lookup('my-llm', 'house-7b')).toEqual(price(2));
    expect(lookup('groq', 'llama-3.3-70b-versatile')).toEqual(price(3));
    expect(lookup('openai', 'house-7b')).toBeUndefined();
    // Without the name served, the prefix is part of a model name (as in `qwen3:8b`).
    expect(compileOverrides(models)('my-llm', 'house-7b')).toBeUndefined();
  });
});
