import { isRecord } from '../shared/json.js';

/**
 * Converse content blocks are unions keyed by member name (`{ text }`, `{ toolUse }`, ...): a
 * block's kind is its one key. A block with none or several is not one this proxy can read.
 */
export function blockKind(block: unknown): string | undefined {
  if (!isRecord(block)) return undefined;
  const keys = Object.keys(block);
  return keys.length === 1 ? keys[0] : undefined;
}

/**
 * Blocks of an answer that carry no action: the model's text and reasoning, media, cache points,
 * guard content, search results, citations. A `toolUse` is judged; any other kind (a new API
 * member) may carry an action and is refused as a call of unknown shape (fail closed).
 */
export const INERT_ANSWER_KINDS: ReadonlySet<string> = new Set([
  'text', 'reasoningContent', 'citationsContent', 'image', 'video', 'audio', 'document', 'cachePoint', 'guardContent', 'searchResult',
]);

/** The text of a text-bearing block (`text`, `guardContent.text.text`, `citationsContent.content[].text`). */
export function blockText(block: Record<string, unknown>): string {
  if (typeof block.text === 'string') return block.text;
  const guard = block.guardContent;
  if (isRecord(guard) && isRecord(guard.text) && typeof guard.text.text === 'string') return guard.text.text;
  const cited = block.citationsContent;
  if (isRecord(cited) && Array.isArray(cited.content)) {
    return cited.content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

/**
 * What outside content says: a document's text source, a tool result's text and JSON, a search
 * result's text; for anything else its JSON (what reaches the model is judged, not its label).
 */
export function outsideText(value: unknown): string {
  if (!isRecord(value)) return typeof value === 'string' ? value : JSON.stringify(value ?? null);
  if (typeof value.text === 'string') return value.text;
  if (value.json !== undefined) return JSON.stringify(value.json);
  if (Array.isArray(value.content)) return value.content.map(outsideText).join('\n');
  // A document's text source (`source: { text }` or `{ content: [{ text }] }`).
  if (isRecord(value.source) && (typeof value.source.text === 'string' || Array.isArray(value.source.content))) return outsideText(value.source);
  const inner = Object.values(value);
  if (inner.length === 1 && isRecord(inner[0])) return outsideText(inner[0]);
  return JSON.stringify(value);
}
