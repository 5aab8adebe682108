import type { PolicyConfig } from '../policy/schema.js';
import { parseScope, scopeAnswerSchema, scopePrompt } from '../policy/tool-scope.js';
import type { ProviderAdapter, RequestView } from '../providers/types.js';
import type { Recorder } from './record.js';
import type { AskThroughProxy } from './self-call.js';

/** The tools each session may call, by proxy profile and session id; the oldest forgotten first. */
export interface ScopeBook {
  get(key: string): string[] | undefined;
  set(key: string, tools: string[]): void;
}

export function createScopeBook(maxSessions: number): ScopeBook {
  const scopes = new Map<string, string[]>();
  return {
    get: (key) => scopes.get(key),
    set(key, tools) {
      scopes.delete(key);
      scopes.set(key, tools);
      if (scopes.size > maxSessions) scopes.delete(scopes.keys().next().value as string);
    },
  };
}

export interface ScopeInput {
  view: RequestView;
  adapter: ProviderAdapter;
  policy: PolicyConfig;
  recorder: Recorder;
  book: ScopeBook;
  /** Asks the model through this proxy, as the client (see `selfCaller`). */
  call: AskThroughProxy;
}

/**
 * `toolScope`: the tools this session may call, pinned at its first request that declares tools
 * (a model call that sees only the user's first words and the tool list); null where the scope
 * does not apply (off, no session id, no tools). When the tools cannot be determined (the model
 * call fails, or answers anything but tool numbers), no call of this request passes, and the next
 * request tries again: fail closed.
 */
export async function sessionScope(input: ScopeInput): Promise<ReadonlySet<string> | null> {
  const { view, adapter, policy, recorder, book } = input;
  const sessionId = recorder.context.sessionId;
  if (!policy.toolScope.enabled || policy.mode === 'off' || !sessionId || view.tools.length === 0) return null;
  const key = `${recorder.proxyId}\u0000${sessionId}`;
  const known = book.get(key);
  if (known) {
    recorder.decisions.push({ kind: 'tool_scope', outcome: 'recalled', tools: known });
    return new Set(known);
  }
  const unavailable = (reason: string) => {
    recorder.decisions.push({ kind: 'tool_scope', outcome: 'unavailable', tools: [], reason });
    return new Set<string>();
  };
  const model = policy.toolScope.model ?? view.model;
  if (!adapter.encodeTextRequest || !model) return unavailable(`the ${adapter.name} adapter cannot ask a model which tools the request needs`);
  const prompt = scopePrompt(firstUserText(view), view.tools);
  let answer: string;
  try {
    answer = await input.call(adapter.encodeTextRequest({ model, ...prompt, answerSchema: scopeAnswerSchema(view.tools.length) }), { kind: 'dual_llm_call', role: 'scope', tool: '*' });
  } catch (error) {
    return unavailable(`the model call that picks the tools failed: ${(error as Error).message}`);
  }
  const tools = parseScope(answer, view.tools);
  if (!tools) return unavailable('the model did not answer with tool numbers');
  book.set(key, tools);
  recorder.decisions.push({ kind: 'tool_scope', outcome: 'pinned', tools });
  return new Set(tools);
}

/** The user's first words in the conversation: what the session was opened for. */
function firstUserText(view: RequestView): string {
  return view.messages.find((message) => message.role === 'user' && message.text)?.text ?? '';
}
