import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatIssues } from './format-issues.js';
import { type ProxyConfig, type ResolvedConfig, proxyConfigSchema } from './schema.js';

/** Validates once, at start-up; the error names every bad field and what was expected. */
export function validateConfig(config: ProxyConfig = {}): ResolvedConfig {
  return parseConfig(proxyConfigSchema, config, 'Invalid @archestra/llm-proxy configuration:');
}

/** `schema.parse(value)`, or a ConfigError under `heading` listing each bad or unknown field. */
export function parseConfig<Schema extends z.ZodType>(schema: Schema, value: unknown, heading: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(`${heading}\n${formatIssues(schema, result.error.issues).join('\n')}`);
}
