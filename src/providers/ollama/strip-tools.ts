import { stripChatTools } from '../openai/strip-tools.js';
import { OPENAI_CHAT } from './routes.js';

/**
 * Quarantine for Ollama: the native `/api/chat` has no tool choice, so its tools are removed (it
 * does not need them to read earlier calls); the OpenAI-compatible API is handled as OpenAI's.
 */
export function stripOllamaTools(operation: string, json: Record<string, unknown>): boolean {
  if (operation === OPENAI_CHAT) return stripChatTools(json);
  if (operation !== 'chat' || !('tools' in json)) return false;
  delete json.tools;
  return true;
}
