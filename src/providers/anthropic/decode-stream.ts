import { isRecord, safeParseJson } from '../shared/json.js';
import { TextBudget } from '../shared/text-budget.js';
import type { ExchangeInfo, StreamEventInfo, StreamReader, ToolCallView } from '../types.js';
import { answerBlockKind, hostedCallsOf, isJudgedCall } from './blocks.js';
import { answerCallIds } from './call-ids.js';
import { unknownCallOf } from './content.js';
import { emptyResponseView, readAnthropicUsage } from './decode-response.js';

/** One content block as the stream builds it up. */
interface BlockState {
  /** The `content_block` its start carried. */
  start: Record<string, unknown>;
  open: boolean;
  text: string[];
  /** `input_json_delta` pieces of a call's input, in order; null until the first one. */
  json: string[] | null;
}

/** The events that build the message: the SDK reads them by their data's `type`, other clients by the event name. */
const MESSAGE_EVENTS = new Set(['message_start', 'message_delta', 'message_stop', 'content_block_start', 'content_block_delta', 'content_block_stop']);

/** Blocks whose `input` the SDK's MessageStream assembles from `input_json_delta` pieces (BetaMessageStream: MCP calls too). */
const INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);
const tracksInput = (block: BlockState): boolean => INPUT_BLOCKS.has(block.start.type as string);

/**
 * Reads a Messages stream (named SSE events) the way the SDK's MessageStream assembles it:
 * `message_start` gives the model and input tokens, each `content_block_start` appends a block,
 * deltas go to the block at their `index` (text joined, a call's `partial_json` pieces joined),
 * the last `message_delta` gives the stop reason and output tokens, `message_stop` ends the
 * stream. An `error` event is the upstream's own error report.
 *
 * The SDK appends a started block whatever its `index` says and finds a delta's block by index,
 * while other clients place blocks by index, and the refusal encoder removes a call by its index:
 * a stream where these could differ is `unreadable` (it ends with an error event) instead of read
 * one way and run another. So: a start's index must be the next position, a delta's or stop's an
 * open block's (a number: `"1"` is refused), message events must come after one `message_start`
 * with empty content, an event's name must be its data's type, and a call's input must be JSON.
 */
export function messagesStreamReader(exchange?: Pick<ExchangeInfo, 'maxTextBytes'>): StreamReader {
  const view = emptyResponseView();
  const budget = new TextBudget(exchange?.maxTextBytes);
  const blocks: BlockState[] = [];
  let started = false;

  return {
    endsAtEof: false,
    read({ event, data }): StreamEventInfo {
      const parsed = safeParseJson(data);
      const payload = parsed.success && isRecord(parsed.value) ? parsed.value : undefined;
      if (event === 'error' || payload?.type === 'error') return { error: errorMessage(payload) };
      const type = payload?.type;
      const building = (event !== undefined && MESSAGE_EVENTS.has(event)) || (typeof type === 'string' && MESSAGE_EVENTS.has(type));
      // ping, and event types added later: nothing to assemble.
      if (!building) return {};
      if (!payload || type !== event) return malformed(`an event named "${event ?? ''}" carries ${payload ? `"${String(type)}"` : 'no JSON object'}`);
      if (type !== 'message_start' && !started) return malformed(`${String(type)} before message_start`);
      switch (type) {
        case 'message_start':
          return startMessage(payload.message);
        // A call's start and its argument pieces: the proxy holds the stream from there until the
        // calls are decided, so no fragment of a refused call reaches the client.
        case 'content_block_start':
          return startBlock(payload.index, payload.content_block);
        case 'content_block_delta':
          return addDelta(payload.index, payload.delta);
        case 'content_block_stop': {
          const block = openBlock(payload.index);
          if (!block) return malformed(`content_block_stop for index ${JSON.stringify(payload.index)}, which is not an open block`);
          block.open = false;
          return {};
        }
        case 'message_delta':
          readMessageDelta(payload);
          return {};
        default: {
          const notJson = blocks.findIndex((block) => tracksInput(block) && !inputOf(block).parsed);
          return notJson < 0 ? { terminal: true } : malformed(`the input of the call at index ${notJson} is not JSON`);
        }
      }
    },
    view() {
      const starts = blocks.map((block) => block.start);
      view.text = blocks.filter((block) => block.start.type === 'text').map((block) => block.text.join('')).join('');
      const ids = answerCallIds(starts);
      view.toolCalls = blocks.flatMap((block, at): ToolCallView[] => {
        const id = ids[at];
        if (id === undefined) return [];
        if (answerBlockKind(block.start) !== 'client_call') return [unknownCallOf(block.start, id)];
        return [{ id, name: typeof block.start.name === 'string' ? block.start.name : '', arguments: inputOf(block).json }];
      });
      const hosted = hostedCallsOf(starts);
      if (hosted.length > 0) view.hostedCalls = hosted;
      return view;
    },
  };

  function startMessage(message: unknown): StreamEventInfo {
    if (started) return malformed('a second message_start');
    // The SDK takes message_start's message as its snapshot: a block in it would be in the answer unread.
    if (!isRecord(message) || !Array.isArray(message.content) || message.content.length > 0) return malformed('message_start without a message with empty content');
    started = true;
    if (typeof message.model === 'string') view.model = message.model;
    view.usage = readAnthropicUsage(message.usage) ?? view.usage;
    return {};
  }

  function startBlock(index: unknown, block: unknown): StreamEventInfo {
    if (index !== blocks.length) return malformed(`content_block_start at index ${JSON.stringify(index)} where block ${blocks.length} is next`);
    if (!isRecord(block)) return malformed('content_block_start without a content block');
    blocks.push({ start: { ...block }, open: true, text: typeof block.text === 'string' && block.text !== '' ? [budget.take(block.text)] : [], json: null });
    return isJudgedCall(block) ? { toolCall: true } : {};
  }

  function addDelta(index: unknown, delta: unknown): StreamEventInfo {
    const block = openBlock(index);
    if (!block) return malformed(`content_block_delta for index ${JSON.stringify(index)}, which is not an open block`);
    if (!isRecord(delta)) return malformed('content_block_delta without a delta');
    // Text and argument pieces the SDK would join whatever their JSON type: only strings are read.
    if (delta.type === 'text_delta' && block.start.type === 'text') {
      if (typeof delta.text !== 'string') return malformed('a text_delta whose text is not a string');
      block.text.push(budget.take(delta.text));
    } else if (delta.type === 'input_json_delta' && tracksInput(block)) {
      if (typeof delta.partial_json !== 'string') return malformed('an input_json_delta whose partial_json is not a string');
      (block.json ??= []).push(delta.partial_json);
    }
    return isJudgedCall(block.start) ? { toolCall: true } : {};
  }

  function openBlock(index: unknown): BlockState | undefined {
    const block = typeof index === 'number' ? blocks[index] : undefined;
    return block?.open ? block : undefined;
  }

  /** Output tokens are cumulative in the last `message_delta`; input tokens, when it repeats them, are too. */
  function readMessageDelta(payload: Record<string, unknown>): void {
    if (isRecord(payload.delta) && typeof payload.delta.stop_reason === 'string') view.finishReason = payload.delta.stop_reason;
    const usage = readAnthropicUsage(payload.usage);
    if (!usage) return;
    // Each count the delta gives replaces message_start's; the ones it leaves out stay.
    const given = Object.entries(usage).filter(([, value]) => value !== null);
    view.usage = { ...view.usage, ...Object.fromEntries(given) };
  }
}

/**
 * A streamed call's arguments as the SDK assembles its input: the start's `input` until a piece
 * arrives, then the joined pieces (`{}` when they are all empty), re-serialized the way a JSON
 * response's `input` is, so a streamed call and the same call in a JSON body look alike. Pieces
 * that do not parse (a stream cut short) stay as they came, and are not `parsed`.
 */
function inputOf(block: BlockState): { json: string; parsed: boolean } {
  if (block.json === null) return { json: JSON.stringify(block.start.input ?? {}), parsed: true };
  const joined = block.json.join('');
  if (joined === '') return { json: '{}', parsed: true };
  const parsed = safeParseJson(joined);
  return parsed.success ? { json: JSON.stringify(parsed.value), parsed: true } : { json: joined, parsed: false };
}

function malformed(detail: string): StreamEventInfo {
  return { unreadable: `The upstream stream is malformed (${detail}); it was ended so that no client reads a tool call the proxy did not judge.` };
}

function errorMessage(payload: Record<string, unknown> | undefined): string {
  const error = payload?.error;
  if (!isRecord(error)) return 'The upstream reported an error mid-stream.';
  const message = typeof error.message === 'string' ? error.message : 'no message';
  return typeof error.type === 'string' ? `${error.type}: ${message}` : message;
}
