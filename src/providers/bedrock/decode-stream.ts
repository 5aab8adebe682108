import { assignIds } from '../anthropic/call-ids.js';
import { isRecord, safeParseJson } from '../shared/json.js';
import { TextBudget } from '../shared/text-budget.js';
import type { ExchangeInfo, ResponseView, StreamEventInfo, StreamReader, ToolCallView } from '../types.js';
import { blockKind } from './blocks.js';
import { converseUsage } from './decode-response.js';
import { exceptionOf } from './event-names.js';

/** One content block as the stream builds it up, by its `contentBlockIndex`. */
interface BlockState {
  /** `toolUse` for a client call, `unknown:<member>` for a start or delta of a kind not known here, else `text`. */
  kind: string;
  toolUseId?: unknown;
  name?: string;
  /** The `toolUse.input` pieces, joined at the end. */
  input: string[];
  /** For a block of an unknown kind: what it carried, for the audit row. */
  raw?: string;
}

/** The reader, and the ids it gives the judged blocks and events (the refusal encoder removes them by these). */
export interface ConverseStreamReader extends StreamReader {
  /** Judged block index -> call id. */
  blockCallIds(): Map<number, string>;
  /** How many events of unknown kinds were read: the n-th is the call `#event.<n>`. */
  unknownEventCount(): number;
}

/** Delta members that carry no action: the model's text, reasoning, citations. */
const INERT_DELTAS = new Set(['text', 'reasoningContent', 'citation']);

/** Stream events that carry nothing to judge besides the ones read below. */
const QUIET_EVENTS = new Set(['messageStart']);

/**
 * Reads a ConverseStream (its event-stream messages as named events, see ./event-stream.ts):
 * `contentBlockStart` opens a `toolUse` block (id, name), `contentBlockDelta` adds text or a piece
 * of a call's `input` to the block at its `contentBlockIndex`, `messageStop` gives the stop reason,
 * `metadata` (the last event) the usage and ends the answer. An exception event is the upstream's
 * own error. A start, delta or event of a kind not known here may carry an action: it is read as a
 * call of unknown shape, so the guard refuses it (`policies.unknownToolCalls`).
 */
export function converseStreamReader(exchange?: Pick<ExchangeInfo, 'maxTextBytes'>): ConverseStreamReader {
  const budget = new TextBudget(exchange?.maxTextBytes);
  const blocks = new Map<number, BlockState>();
  const texts: string[] = [];
  const view: ResponseView = { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
  /** Events of kinds not known here, read as calls of unknown shape. */
  const unknownEvents: ToolCallView[] = [];

  function block(index: unknown): BlockState | undefined {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) return undefined;
    let state = blocks.get(index);
    if (!state) blocks.set(index, (state = { kind: 'text', input: [] }));
    return state;
  }

  return {
    endsAtEof: false,
    read({ event, data }): StreamEventInfo {
      const exception = exceptionOf(event);
      if (exception) return { error: exception.message(data) };
      const parsed = safeParseJson(data);
      const payload = parsed.success && isRecord(parsed.value) ? parsed.value : undefined;
      if (!payload) return unknownEvent(event ?? '', data);
      switch (event) {
        case 'contentBlockStart': {
          const state = block(payload.contentBlockIndex);
          const kind = blockKind(payload.start);
          if (!state || !kind) return unknownEvent(event, data);
          const start = (payload.start as Record<string, unknown>)[kind];
          if (kind === 'toolUse' && isRecord(start)) {
            // A tool Bedrock ran itself: the model's call, not the client's; its result comes as outside content.
            if (start.type === 'server_tool_use') return {};
            Object.assign(state, { kind: 'toolUse', toolUseId: start.toolUseId, name: typeof start.name === 'string' ? start.name : '' });
            return { toolCall: true };
          }
          if (kind === 'toolResult' || kind === 'image') return {};
          Object.assign(state, { kind: `unknown:${kind}`, raw: data });
          return { toolCall: true };
        }
        case 'contentBlockDelta': {
          const state = block(payload.contentBlockIndex);
          const kind = blockKind(payload.delta);
          if (!state || !kind) return unknownEvent(event, data);
          const delta = (payload.delta as Record<string, unknown>)[kind];
          if (kind === 'toolUse' && state.kind === 'toolUse' && isRecord(delta) && typeof delta.input === 'string') {
            state.input.push(delta.input);
            return { toolCall: true };
          }
          if (kind === 'text' && typeof delta === 'string' && state.kind === 'text') {
            texts.push(budget.take(delta));
            return {};
          }
          if (INERT_DELTAS.has(kind) && state.kind === 'text') return {};
          // A tool's result streamed by Bedrock (a system tool) is outside content, not a call.
          if (kind === 'toolResult' || kind === 'image') return {};
          if (!state.kind.startsWith('unknown:')) Object.assign(state, { kind: `unknown:${kind}`, raw: data });
          return { toolCall: true };
        }
        case 'contentBlockStop':
          return { toolCall: blocks.get(payload.contentBlockIndex as number)?.kind !== 'text' && blocks.has(payload.contentBlockIndex as number) };
        case 'messageStop':
          view.finishReason = typeof payload.stopReason === 'string' ? payload.stopReason : null;
          return {};
        case 'metadata':
          view.usage = converseUsage(payload.usage);
          return { terminal: true };
        default:
          if (event !== undefined && QUIET_EVENTS.has(event)) return {};
          return unknownEvent(event ?? '', data);
      }
    },
    blockCallIds() {
      const ordered = judged();
      const ids = assignIds(ordered.map(([index, state]) => ({ id: state.kind === 'toolUse' ? state.toolUseId : undefined, position: String(index) })));
      return new Map(ordered.map(([index], i) => [index, ids[i]!]));
    },
    unknownEventCount: () => unknownEvents.length,
    view() {
      const ids = this.blockCallIds();
      const calls = judged().map(([index, state]): ToolCallView => {
        const id = ids.get(index)!;
        if (state.kind === 'toolUse') return { id, name: state.name ?? '', arguments: state.input.join('') || '{}' };
        return { id, name: state.kind.slice('unknown:'.length), arguments: state.raw ?? '', unknownShape: true };
      });
      return { ...view, text: texts.join(''), toolCalls: [...calls, ...unknownEvents] };
    },
  };

  function judged(): [number, BlockState][] {
    return [...blocks.entries()].sort(([a], [b]) => a - b).filter(([, state]) => state.kind !== 'text');
  }

  function unknownEvent(name: string, data: string): StreamEventInfo {
    unknownEvents.push({ id: `#event.${unknownEvents.length}`, name: name || 'event', arguments: data, unknownShape: true });
    return { toolCall: true };
  }
}
