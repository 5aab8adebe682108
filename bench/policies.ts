import type { ProxyConfig } from '../src/index.js';

/**
 * The policies every proxied case runs with (in-process, bundled server, Express): a tool policy
 * and the default data-leak guard (secrets redacted, streams included), so the figures include
 * their cost. Personal-data redaction is off, as by default: in a stream it holds each delta's last
 * word until the next delta shows it is not the start of an address, which adds one inter-token
 * gap to the time to first token.
 */
export const BENCH_POLICIES: NonNullable<ProxyConfig['policies']> = {
  mode: 'enforce',
  defaultToolAction: 'allow_when_context_trusted',
  tools: [{ id: 'weather', tool: 'get_weather', when: [{ path: 'unit', operator: 'in', value: ['celsius', 'fahrenheit'] }], action: 'allow' }],
  dataLeak: { secrets: 'redact', pii: 'off' },
};

export const POLICIES_STATUS = 'policies: on in every proxied case (a tool policy on get_weather, allow_when_context_trusted by default, the data-leak guard redacting secrets in requests, JSON answers and streams); audit (SQLite file), metrics and tracing on';
