import type { DetectorId } from './detectors.js';
import type { DetectorSet, EnabledDetectors, Finding } from './scan.js';
import { type StreamRedactor, createStreamRedactor } from './stream-redactor.js';

/**
 * One stream redactor per channel of a streamed answer (a choice's text, one tool call's
 * arguments): what the provider adapters' `redactStreamEvent` is handed.
 */
export interface RedactionChannels {
  /** Text of `delta` safe to send now on `channel`; the rest is held back. */
  redact(channel: string, delta: string): string;
  /** Ends `prefix` and every `prefix:...` channel; returns their held-back tails. */
  end(prefix: string): Map<string, string>;
  /** Ends every open channel; returns their held-back tails. */
  tails(): Map<string, string>;
  /** The channels still open. */
  open(): string[];
}

/** `onFindings` gets each channel's new findings as they are made. */
export function createRedactionChannels<Id extends string = DetectorId>(enabled?: EnabledDetectors | DetectorSet<Id>, onFindings?: (channel: string, findings: readonly Finding<Id>[]) => void): RedactionChannels {
  const channels = new Map<string, { redactor: StreamRedactor<Id>; reported: number }>();

  function report(channel: string, state: { redactor: StreamRedactor<Id>; reported: number }): void {
    const { findings } = state.redactor;
    if (findings.length === state.reported) return;
    onFindings?.(channel, findings.slice(state.reported));
    state.reported = findings.length;
  }

  function close(matches: (channel: string) => boolean): Map<string, string> {
    const tails = new Map<string, string>();
    for (const [channel, state] of channels) {
      if (!matches(channel)) continue;
      const tail = state.redactor.flush();
      report(channel, state);
      channels.delete(channel);
      if (tail) tails.set(channel, tail);
    }
    return tails;
  }

  return {
    redact(channel, delta) {
      let state = channels.get(channel);
      if (!state) {
        state = { redactor: createStreamRedactor(enabled as DetectorSet<Id>), reported: 0 };
        channels.set(channel, state);
      }
      const out = state.redactor.push(delta);
      report(channel, state);
      return out;
    },
    end: (prefix) => close((channel) => channel === prefix || channel.startsWith(`${prefix}:`)),
    tails: () => close(() => true),
    open: () => [...channels.keys()],
  };
}

/**
 * Two redactions in series: `second` gets what `first` releases, on the channels `applies` picks
 * (the others pass through `first` alone), and each channel's tails go through both. `first`
 * comes first so that what `second` builds its replacements from is already redacted.
 */
export function chainRedactionChannels(first: RedactionChannels | null, second: RedactionChannels, applies: (channel: string) => boolean): RedactionChannels {
  /** `first`'s tails are pushed into `second`, then `second`'s channels are ended (`close`). */
  function close(tails: ReadonlyMap<string, string>, closeSecond: () => Map<string, string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [channel, tail] of tails) {
      const released = applies(channel) ? second.redact(channel, tail) : tail;
      if (released) out.set(channel, released);
    }
    for (const [channel, tail] of closeSecond()) out.set(channel, (out.get(channel) ?? '') + tail);
    return out;
  }
  return {
    redact(channel, delta) {
      const released = first ? first.redact(channel, delta) : delta;
      return applies(channel) ? second.redact(channel, released) : released;
    },
    end: (prefix) => close(first ? first.end(prefix) : new Map(), () => second.end(prefix)),
    tails: () => close(first ? first.tails() : new Map(), () => second.tails()),
    open: () => [...new Set([...(first?.open() ?? []), ...second.open()])],
  };
}
