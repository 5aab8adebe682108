import type { z } from 'zod';
import { readBody } from '../pipeline/read-body.js';
import { adminError } from './admin-error.js';

/** Largest JSON body the admin API reads (a profile with its policies fits many times over). */
const MAX_BODY_BYTES = 256 * 1024;

type Parsed<T> = { data: T; error?: undefined } | { error: Response; data?: undefined };

/** A 400 naming the first bad field (`field`) and every problem in the message. */
export function invalid(error: z.ZodError, where: 'query' | 'body'): Response {
  const first = error.issues[0];
  const field = first?.code === 'unrecognized_keys' ? [...first.path, first.keys[0]].join('.') : first?.path.join('.');
  const problems = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${[...issue.path, ''].join('.')}${issue.keys.join(', ')}: not a known field`;
    return `${issue.path.join('.') || where}: ${issue.message}`;
  });
  return adminError(400, `Bad ${where}: ${problems.join('; ')}`, {}, {}, field || undefined);
}

export function parseQuery<Schema extends z.ZodType>(schema: Schema, request: Request): Parsed<z.output<Schema>> {
  const params = new URL(request.url).searchParams;
  const values: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in values) return { error: adminError(400, `Bad query: ${name} is given twice.`, {}, {}, name) };
    values[name] = value;
  }
  const parsed = schema.safeParse(values);
  return parsed.success ? { data: parsed.data } : { error: invalid(parsed.error, 'query') };
}

/** Reads a JSON body (at most 256 KiB) and validates it; `sent` is the JSON as sent (defaults not filled in). */
export async function parseBody<Schema extends z.ZodType>(schema: Schema, request: Request): Promise<Parsed<z.output<Schema>> & { sent?: Record<string, unknown> }> {
  const json = await readJson(request);
  if ('error' in json) return json;
  const parsed = schema.safeParse(json.value);
  return parsed.success ? { data: parsed.data, sent: json.value as Record<string, unknown> } : { error: invalid(parsed.error, 'body') };
}

/**
 * The body as JSON (`undefined` when empty). Read as the pipeline reads a body: a Node server
 * bridge hands the bytes it read over beside the Request, which then has no stream of its own.
 */
export async function readJson(request: Request): Promise<{ value: unknown } | { error: Response }> {
  const read = await readBody(request, MAX_BODY_BYTES);
  if (!read.success) return { error: adminError(read.status, read.message) };
  const text = Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength).toString('utf8');
  if (text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: adminError(400, 'The body is not valid JSON.') };
  }
}
