/**
 * A scenario as the proxy would see it on the wire: an OpenAI Chat Completions request (system,
 * user, each earlier tool call as an assistant message and its result as a `tool` message, the
 * tools declared) and the upstream's answer proposing the next call. Both are decoded by the
 * OpenAI adapter itself, so the engine judges exactly the view the pipeline would give it.
 */
import { routeNative } from '../../src/pipeline/route.js';
import { openaiAdapter } from '../../src/providers/openai/index.js';
import type { RequestView, ResponseView } from '../../src/providers/types.js';
import type { Scenario } from './corpus.js';
import { TOOLS } from './tools.js';

const MODEL = 'gpt-4o-mini';
const route = routeNative(openaiAdapter, 'POST', ['chat', 'completions'], 'default');
if (route.kind !== 'match') throw new Error('the OpenAI adapter has no chat completions route');
const chatMatch = route.match;

/** The Chat Completions request body of a scenario. */
export function requestBody(scenario: Scenario): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [
    { role: 'system', content: scenario.system },
    { role: 'user', content: scenario.user },
  ];
  const used = new Set<string>([scenario.proposed.name]);
  for (const [index, step] of scenario.steps.entries()) {
    if ('call' in step) {
      const id = `call_${index}`;
      used.add(step.call.name);
      messages.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: step.call.name, arguments: JSON.stringify(step.call.arguments) } }] });
      messages.push({ role: 'tool', tool_call_id: id, content: typeof step.result === 'string' ? step.result : JSON.stringify(step.result) });
    } else if ('user' in step) {
      messages.push({ role: 'user', content: step.user });
    } else {
      messages.push({ role: 'assistant', content: step.assistant });
    }
  }
  // The request must declare tools: the pipeline guards an answer's calls only then.
  const tools = [...used].sort().map((name) => ({ type: 'function', function: { name, description: TOOLS[name]?.description, parameters: { type: 'object' } } }));
  return { model: MODEL, messages, tools };
}

/** The upstream's Chat Completions answer: one tool call, the proposed one. */
export function answerBody(scenario: Scenario): Record<string, unknown> {
  const call = { id: 'call_next', type: 'function', function: { name: scenario.proposed.name, arguments: JSON.stringify(scenario.proposed.arguments) } };
  return { id: `chatcmpl-${scenario.id}`, object: 'chat.completion', created: 0, model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }] };
}

export interface DecodedScenario {
  readonly view: RequestView;
  readonly answer: ResponseView;
}

export function decodeScenario(scenario: Scenario): DecodedScenario {
  const decoded = openaiAdapter.decodeRequest(chatMatch, requestBody(scenario), new URLSearchParams());
  if (!decoded.success) throw new Error(`${scenario.id}: the adapter rejected the request: ${decoded.message}`);
  const answer = openaiAdapter.readResponse('chat', answerBody(scenario));
  if (answer.toolCalls.length !== 1) throw new Error(`${scenario.id}: the adapter read ${answer.toolCalls.length} tool calls from the answer`);
  return { view: decoded.view, answer };
}
