import { isRecord, safeParseJson } from '../shared/json.js';
import type { StreamEventInfo, StreamReader, ToolCallView } from '../types.js';
import { emptyResponseView, readAnthropicUsage } from './decode-response.js';

/** One content block as the stream builds it up. */
interface BlockState {
  type: string;
  text: string[];
  id: string;
  name: string;
  /** `input_json_delta` pieces of a tool call's input, in order. */
  json: string[];
  /** The `input` the block started with (`{}` for a streamed call). */
  input: unknown;
}

/**
 * Reads a Messages stream (named SSE events): `message_start` gives the model and input tokens,
 * content blocks are assembled by `index` (text deltas joined, a tool call's `partial_json`
 * pieces joined), the last `message_delta` gives the stop reason and output tokens, and
 * `message_stop` ends the stream. An `error` event is the upstream's own error report.
 */
export function messagesStreamReader(): StreamReader {
  const view = emptyResponseView();
  /** The block open at each index; deltas go to it. */
  const blocks = new Map<number, BlockState>();
  /**
   * Every block started, in order. A second start at an index already used (not something
   * Anthropic sends) takes the deltas from there, but the first block stays in the view: a call
   * can never hide from the policy behind a later block at its index.
   */
  const started: { index: number; block: BlockState }[] = [];

  return {
    endsAtEof: false,
    read({ event, data }): StreamEventInfo {
      const parsed = safeParseJson(data);
      const payload = parsed.success && isRecord(parsed.value) ? parsed.value : undefined;
      const type = typeof payload?.type === 'string' ? payload.type : event;
      if (type === 'error' || event === 'error') return { error: errorMessage(payload) };
      if (!payload) return {};
      switch (type) {
        case 'message_start':
          readMessageStart(payload.message);
          return {};
        // A tool call's start and its argument pieces: the proxy holds the stream from there until
        // the call is decided, so no fragment of a refused call reaches the client.
        case 'content_block_start':
          return startBlock(payload.index, payload.content_block)?.type === 'tool_use' ? { toolCall: true } : {};
        case 'content_block_delta':
          return addDelta(payload.index, payload.delta)?.type === 'tool_use' ? { toolCall: true } : {};
        case 'message_delta':
          readMessageDelta(payload);
          return {};
        case 'message_stop':
          return { terminal: true };
        default:
          // ping, content_block_stop, and event types added later: nothing to assemble.
          return {};
      }
    },
    view() {
      const ordered = [...started].sort((a, b) => a.index - b.index).map(({ block }) => block);
      view.text = ordered.filter((block) => block.type === 'text').map((block) => block.text.join('')).join('');
      view.toolCalls = ordered.filter((block) => block.type === 'tool_use').map(toolCallOfBlock);
      return view;
    },
  };

  function readMessageStart(message: unknown): void {
    if (!isRecord(message)) return;
    if (typeof message.model === 'string') view.model = message.model;
    view.usage = readAnthropicUsage(message.usage) ?? view.usage;
  }

  function startBlock(index: unknown, block: unknown): BlockState | undefined {
    if (typeof index !== 'number' || !isRecord(block) || typeof block.type !== 'string') return undefined;
    const state: BlockState = {
      type: block.type,
      text: typeof block.text === 'string' && block.text !== '' ? [block.text] : [],
      id: typeof block.id === 'string' ? block.id : '',
      name: typeof block.name === 'string' ? block.name : '',
      json: [],
      input: block.input,
    };
    blocks.set(index, state);
    started.push({ index, block: state });
    return state;
  }

  /** Adds a delta to its block; returns the block. */
  function addDelta(index: unknown, delta: unknown): BlockState | undefined {
    const block = typeof index === 'number' ? blocks.get(index) : undefined;
    if (!block || !isRecord(delta)) return block;
    if (delta.type === 'text_delta' && typeof delta.text === 'string') block.text.push(delta.text);
    else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') block.json.push(delta.partial_json);
    return block;
  }

  /** Output tokens are cumulative in the last `message_delta`; input tokens, when it repeats them, are too. */
  function readMessageDelta(payload: Record<string, unknown>): void {
    if (isRecord(payload.delta) && typeof payload.delta.stop_reason === 'string') view.finishReason = payload.delta.stop_reason;
    const usage = readAnthropicUsage(payload.usage);
    if (!usage) return;
    if (usage.outputTokens !== null) view.usage = { ...view.usage, outputTokens: usage.outputTokens };
    if (usage.inputTokens !== null) view.usage = { ...view.usage, inputTokens: usage.inputTokens };
  }
}

/**
 * A streamed tool call. Its arguments are the joined `partial_json` pieces, re-serialized the way
 * a JSON response's `input` is, so a streamed call and the same call in a JSON body look alike;
 * pieces that do not parse (a stream cut short) stay as they came.
 */
function toolCallOfBlock(block: BlockState): ToolCallView {
  const joined = block.json.join('');
  let args: string;
  if (joined.trim() === '') args = JSON.stringify(block.input ?? {});
  else {
    const parsed = safeParseJson(joined);
    args = parsed.success ? JSON.stringify(parsed.value) : joined;
  }
  return { id: block.id, name: block.name, arguments: args };
}

function errorMessage(payload: Record<string, unknown> | undefined): string {
  const error = payload?.error;
  if (!isRecord(error)) return 'The upstream reported an error mid-stream.';
  const message = typeof error.message === 'string' ? error.message : 'no message';
  return typeof error.type === 'string' ? `${error.type}: ${message}` : message;
}
