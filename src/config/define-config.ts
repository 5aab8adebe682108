import type { ProxyConfig } from './schema.js';

/** Types a configuration object (in `proxy.config.ts`, say) without changing it. */
export function defineConfig(config: ProxyConfig): ProxyConfig {
  return config;
}
