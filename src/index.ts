/**
 * @module
 * `@archestra/llm-proxy`: a security proxy between AI agents and LLM providers, in your process or
 * mounted in your server.
 *
 * @example
 * import OpenAI from 'openai';
 * import { createProxy, withArchestra } from '@archestra/llm-proxy';
 *
 * const proxy = createProxy();
 * const openai = withArchestra(new OpenAI(), { proxy, agentId: 'billing-bot' });
 */
export { createProxy } from './proxy.js';
export type { CloseOptions, Proxy, ProxyOptions } from './proxy.js';
export { defineConfig } from './config/define-config.js';
export type { ProxyConfig, ResolvedConfig } from './config/schema.js';
export { createProxyFetch } from './ways-in/proxy-fetch.js';
export type { ProxyFetch, ProxyFetchOptions } from './ways-in/proxy-fetch.js';
export { withArchestra } from './ways-in/sdk/with-archestra.js';
export type { WithArchestraOptions } from './ways-in/sdk/with-archestra.js';
export { createSqliteStore } from './store/sqlite-store.js';
export type { SqliteStore, SqliteStoreOptions } from './store/sqlite-store.js';
export { createMemoryStore } from './store/memory-store.js';
export type { MemoryStoreOptions } from './store/memory-store.js';
export { ArchestraError, ConfigError, isArchestraError } from './errors.js';
export type { ArchestraErrorCode } from './errors.js';
export { parseContext } from './pipeline/context.js';
export { PROVIDER_NAMES } from './types.js';
export type { InteractionQuery, InteractionRecord, Outcome, ProviderName, RequestContext, Store } from './types.js';
export type { ApprovalDecisionInput, ApprovalDecisionResult, ApprovalQuery, ApprovalRecord, ApprovalState, ApprovalStore } from './types.js';
export type { RateAdmission, RateBucket, RateCounters, RateHold, RateVerdict } from './types.js';
export { VERSION } from './version.js';
