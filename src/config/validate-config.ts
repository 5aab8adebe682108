import { ConfigError } from '../errors.js';
import { type ProxyConfig, type ResolvedConfig, proxyConfigSchema } from './schema.js';

/** Validates once, at start-up; the error names every bad field and what was expected. */
export function validateConfig(config: ProxyConfig = {}): ResolvedConfig {
  const result = proxyConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  - ${path}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid @archestra/llm-proxy configuration:\n${lines.join('\n')}`);
}
