import { createParser } from 'eventsource-parser';
import { chainRedactionChannels } from '../policy/data-leak/channels.js';
import { createRedactionChannels, type DataLeakConfig, type DataLeakPolicy, type DetectorId, type DetectorSet, resolveDataLeakPolicy } from '../policy/data-leak/index.js';
import { type ExfilLinkId, exfilLinkDetector, removedHost } from '../policy/exfil-links/index.js';
import type { PolicyConfig } from '../policy/schema.js';
import { encodeSseEvent } from '../providers/shared/sse.js';
import type { HeldEvent, ProviderAdapter } from '../providers/types.js';
import type { Recorder } from './record.js';

/** Decisions kept per stream; an answer full of addresses must not make a huge row. */
const MAX_RECORDED = 50;

const resolved = new WeakMap<DataLeakConfig, DataLeakPolicy>();

/** The data-leak policy of a configuration, resolved once per configuration object. */
export function streamLeakPolicy(config: DataLeakConfig): DataLeakPolicy | null {
  let policy = resolved.get(config);
  if (!policy) {
    policy = resolveDataLeakPolicy(config);
    resolved.set(config, policy);
  }
  return policy.redact.size === 0 && policy.block.size === 0 ? null : policy;
}

export interface StreamDataLeakOptions {
  /** Secrets and personal data; null when no detector is on. */
  policy: DataLeakPolicy | null;
  /** Exfiltration links, in the answer to a tainted request only (`policies.exfilLinks`). */
  links?: DetectorSet<ExfilLinkId> | null;
  /** `shadow`: the client gets the upstream's bytes; the findings and the audit copy are redacted. */
  mode: 'enforce' | 'shadow';
}

/**
 * The data-leak guard of one streamed answer: one stream redactor per channel (a choice's text, a
 * tool call's arguments), run over each event's text deltas through the adapter.
 */
export interface StreamLeakGuard {
  /** The event with its text redacted (or held back); '' when nothing of it is to be sent now. */
  event(event: HeldEvent): string;
  /** The tails every open channel still holds, as events shaped like `like`; '' when none. */
  flush(like: HeldEvent | null): string;
  /** Detectors that found something and block (the answer must then be withheld). */
  readonly blockedBy: readonly DetectorId[];
}

/**
 * The stream guards of one answer: the data-leak guard when a detector is on, and the
 * exfiltration-link guard when the request was tainted (`tainted`); null when neither applies.
 */
export function streamGuardOptions(policy: PolicyConfig, tainted: boolean): StreamDataLeakOptions | null {
  if (policy.mode === 'off') return null;
  const leak = streamLeakPolicy(policy.dataLeak);
  const links = tainted ? exfilLinkDetector(policy.exfilLinks) : null;
  return leak || links ? { policy: leak, links, mode: policy.mode } : null;
}

/** Tool-call arguments are data for a tool, not text a client renders: no link guard there. */
const isAnswerText = (channel: string) => !channel.startsWith('tool:') && !channel.startsWith('function_call_arguments');

export function createStreamLeakGuard(adapter: ProviderAdapter, operation: string, options: StreamDataLeakOptions, recorder: Recorder): StreamLeakGuard | null {
  const redactEvent = adapter.redactStreamEvent?.bind(adapter);
  const encodeTails = adapter.encodeStreamTails?.bind(adapter);
  if (!redactEvent || !encodeTails) return null;
  const { policy } = options;
  const blockedBy: DetectorId[] = [];
  let recorded = 0;
  const leakChannels = policy
    ? createRedactionChannels(policy.enabled, (channel, findings) => {
        for (const { detector } of findings) {
          const block = policy.block.has(detector);
          if (block && !blockedBy.includes(detector)) blockedBy.push(detector);
          if (recorded < MAX_RECORDED) {
            recorder.decisions.push({ kind: 'data_leak', direction: 'response', detector, path: channel, action: block ? 'block' : 'redact' });
            recorded++;
          }
        }
      })
    : null;
  // Links are looked for in what the data-leak guard released, so no placeholder carries a secret.
  const channels = options.links
    ? chainRedactionChannels(
        leakChannels,
        createRedactionChannels(options.links, (channel, findings) => {
          for (const finding of findings) {
            if (recorded >= MAX_RECORDED) break;
            recorder.decisions.push({ kind: 'data_leak', direction: 'response', detector: finding.detector, path: channel, action: 'redact', host: removedHost(finding.replacement ?? '') });
            recorded++;
          }
        }),
        isAnswerText,
      )
    : leakChannels;
  if (!channels) return null;

  return {
    event: (event) => redactEvent(operation, event, channels.redact, channels.end),
    flush(like) {
      const tails = channels.tails();
      if (tails.size === 0) return '';
      return encodeTails(operation, tails, like ?? { data: '', encoded: '' });
    },
    get blockedBy() {
      return blockedBy;
    },
  };
}

/** Splits encoded events (as an adapter re-encoded them) back into events, for the held list. */
export function splitEncoded(text: string, format: 'sse' | 'ndjson'): HeldEvent[] {
  const events: HeldEvent[] = [];
  if (text === '') return events;
  if (format === 'ndjson') {
    for (const line of text.split('\n')) if (line.trim() !== '') events.push({ data: line, encoded: `${line}\n` });
    return events;
  }
  const parser = createParser({ onEvent: (event) => events.push({ ...event, encoded: encodeSseEvent(event) }) });
  parser.feed(text.endsWith('\n\n') ? text : `${text}\n\n`);
  return events;
}
