import { isRecord } from '../shared/json.js';
import type { ToolCallView } from '../types.js';

/** A call block (`tool_use`, `server_tool_use`, ...) as a call: its `input` becomes the arguments' JSON text. */
export function toolCallOf(block: Record<string, unknown>, id: string): ToolCallView {
  return {
    id,
    name: typeof block.name === 'string' ? block.name : '',
    arguments: block.input === undefined ? '{}' : JSON.stringify(block.input),
  };
}

/** A block of a type the proxy does not know, as a call: named by its type, its `input` (or itself) as arguments. */
export function unknownCallOf(block: unknown, id: string): ToolCallView {
  const record = isRecord(block) ? block : {};
  const { type, input } = record;
  return { id, name: typeof type === 'string' ? type : 'content_block', arguments: JSON.stringify(input ?? record), unknownShape: true };
}

/** Text blocks: what the author wrote (the user's own words in a user turn). */
export function isTextBlock(block: unknown): boolean {
  return textOf(block) !== undefined;
}

function textOf(block: unknown): string | undefined {
  return isRecord(block) && (block.type === 'text' || block.type === undefined) && typeof block.text === 'string' ? block.text : undefined;
}

/** The text of content: a string, or its text blocks joined with `separator` (other blocks are not its words). */
export function contentText(content: unknown, separator = '\n'): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map(textOf).filter((text): text is string => text !== undefined && text.length > 0).join(separator);
}

/** Fields of a retrieved block that hold no readable content: markers, ids, signatures, opaque blobs. */
const OPAQUE_FIELDS = new Set(['type', 'id', 'tool_use_id', 'encrypted_content', 'signature', 'media_type', 'file_id', 'cache_control', 'citations']);

/**
 * Every readable string of a retrieved block (a document, a search result, a hosted tool's
 * result): titles, URLs, text, stdout. All of it is outside content, so none of it may count as
 * trusted; base64 data (a PDF, an image) is not text and is left out.
 */
export function retrievedText(value: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      if (node !== '') parts.push(node);
    } else if (Array.isArray(node)) node.forEach(walk);
    else if (isRecord(node)) {
      for (const [key, field] of Object.entries(node)) {
        if (OPAQUE_FIELDS.has(key) || (key === 'data' && node.type === 'base64')) continue;
        walk(field);
      }
    }
  };
  walk(value);
  return parts.join('\n');
}
