import { describe, expect, it } from 'vitest';
import { modelRulesSchema } from '../config/model-rules-schema.js';
import type { RequestView } from '../providers/types.js';
import { chooseModelRule, declaresTools, estimatePromptTokens } from './model-rules.js';

const rules = modelRulesSchema.parse([
  { when: { provider: 'openai', model: 'gpt-4o', maxPromptTokens: 10, noTools: true }, use: 'gpt-4o-mini' },
  { id: 'any-openai', when: { provider: ['openai', 'vllm'] }, use: 'gpt-4.1-nano' },
  { when: { model: ['claude-*', 'gemini-*'] }, use: 'small' },
]);
const subject = { provider: 'openai' as const, model: 'gpt-4o', promptTokens: 10, hasTools: false };

describe('chooseModelRule', () => {
  it('the first rule whose conditions all hold wins; ids default to the position', () => {
    expect(chooseModelRule(rules, subject)).toMatchObject({ id: 'model-rule-1', use: 'gpt-4o-mini' });
    expect(chooseModelRule(rules, { ...subject, promptTokens: 11 })).toMatchObject({ id: 'any-openai' });
    expect(chooseModelRule(rules, { ...subject, hasTools: true })).toMatchObject({ id: 'any-openai' });
    expect(chooseModelRule(rules, { ...subject, provider: 'vllm' })).toMatchObject({ id: 'any-openai' });
  });

  it('a list of globs matches any of them; no rule holding keeps the client\'s model', () => {
    expect(chooseModelRule(rules, { ...subject, provider: 'gemini', model: 'gemini-2.5-pro' })).toMatchObject({ id: 'model-rule-3' });
    expect(chooseModelRule(rules, { ...subject, provider: 'ollama', model: 'llama3' })).toBeNull();
  });
});

describe('estimatePromptTokens and declaresTools', () => {
  const view: RequestView = {
    model: 'm',
    stream: false,
    messages: [
      { index: 0, role: 'user', text: 'x'.repeat(10), toolCalls: [], toolResults: [] },
      { index: 1, role: 'assistant', text: '', toolCalls: [{ id: 'c', name: 'ab', arguments: '{}' }], toolResults: [] },
      { index: 2, role: 'tool', text: '', toolCalls: [], toolResults: [{ toolCallId: 'c', text: 'y'.repeat(8) }] },
    ],
    tools: [],
  };

  it('counts one token per 4 characters of text, calls and results, rounded up', () => {
    expect(estimatePromptTokens(view)).toBe(Math.ceil((10 + 2 + 2 + 8) / 4));
    expect(estimatePromptTokens({ ...view, tools: [{ name: 'lookup', description: 'finds', parameters: { type: 'object' } }] })).toBe(Math.ceil((22 + 6 + 5 + 17) / 4));
  });

  it('tools are functions or provider-hosted tools', () => {
    expect(declaresTools(view)).toBe(false);
    expect(declaresTools({ ...view, hostedTools: ['web_search'] })).toBe(true);
    expect(declaresTools({ ...view, tools: [{ name: 'lookup' }] })).toBe(true);
  });
});
