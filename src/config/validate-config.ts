import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { createProviderSet } from '../providers/provider-set.js';
import { formatIssues } from './format-issues.js';
import { type ProxyConfig, type ResolvedConfig, proxyConfigSchema } from './schema.js';

/** Validates once, at start-up; the error names every bad field and what was expected. */
export function validateConfig(config: ProxyConfig = {}): ResolvedConfig {
  const resolved = parseConfig(proxyConfigSchema, config, 'Invalid @archestra/llm-proxy configuration:');
  const unserved = profileKeysOfUnservedProviders(resolved);
  if (unserved.length > 0) throw new ConfigError(`Invalid @archestra/llm-proxy configuration:\n${unserved.join('\n')}`);
  return resolved;
}

/** `schema.parse(value)`, or a ConfigError under `heading` listing each bad or unknown field. */
export function parseConfig<Schema extends z.ZodType>(schema: Schema, value: unknown, heading: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(`${heading}\n${formatIssues(schema, result.error.issues).join('\n')}`);
}

/** A profile's key for a provider the proxy does not serve would never be used: a mistake, said at once. */
function profileKeysOfUnservedProviders(config: ResolvedConfig): string[] {
  const served = createProviderSet(config.providers);
  return Object.entries(config.profiles).flatMap(([id, profile]) =>
    Object.keys(profile.providers ?? {})
      .filter((name) => !served.has(name))
      .map((name) => `  - profiles.${id}.providers.${name}: no such provider is served (served: ${[...served.keys()].join(', ')}); add it under providers first`),
  );
}
