/**
 * The config file's JSON Schema (proxy.schema.json, for editor completion) is the one generated
 * from the zod schema (`npm run schema` writes it), and proxy.example.json validates against it
 * and is accepted by the server's own loader; a typo in a config is caught by both.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_FILE, configJsonSchemaText } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createProxy } from '../../src/index.js';

const schema = JSON.parse(readFileSync(JSON_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const example = JSON.parse(readFileSync('proxy.example.json', 'utf8')) as Record<string, unknown>;

describe('proxy.schema.json and proxy.example.json', () => {
  it('the committed schema is the generated one (run npm run schema after changing the config schema)', () => {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).toBe(configJsonSchemaText());
  });

  it('the example names the schema, validates against it, and the loader and createProxy take it', async () => {
    expect(example.$schema).toBe(`./${JSON_SCHEMA_FILE}`);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    const loaded = await loadConfig({ configPath: 'proxy.example.json', env: {} });
    expect(loaded.server).toMatchObject({ host: '127.0.0.1', port: 9000, metrics: { port: 9464 } });
    const proxy = createProxy({ ...loaded.proxy, store: ':memory:' });
    expect(proxy.profileIds).toEqual(['default', 'support-bot']);
    await proxy.close();
  });

  it('the example holds every common setting: each top-level block, every provider', () => {
    for (const block of ['server', 'providers', 'store', 'auth', 'audit', 'limits', 'upstream', 'policies', 'profiles', 'pricing']) expect(example).toHaveProperty(block);
    expect(Object.keys(example.providers as object)).toEqual(['openai', 'anthropic', 'gemini', 'vllm', 'ollama']);
  });

  it('a misspelt field or a value out of its choices is refused by the schema (the editor underlines it)', () => {
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate({ server: { prot: 9000 } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'additionalProperties', params: { additionalProperty: 'prot' } });
    expect(validate({ audit: { durability: 'eventually' } })).toBe(false);
    expect(validate({ providers: { openai: { baseUrl: 'https://api.openai.com/v1' } } })).toBe(true);
  });
});
