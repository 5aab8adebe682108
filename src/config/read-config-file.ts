import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { importConfigModule, isConfigModule } from './config-module.js';
import { findJsonSyntaxError } from './json-syntax-error.js';

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * The object in a config file: JSON, or the default export of a `.ts`/`.mjs`/`.js` module
 * (`export default defineConfig({...})`). A ConfigError says why there is none (with line and
 * column for a JSON syntax error).
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  if (isConfigModule(path)) return importConfigModule(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`Cannot read the config file ${JSON.stringify(path)}: ${READ_ERRORS[code] ?? code}.`);
  }
  // Editors on Windows may save a byte order mark, which JSON.parse refuses.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The config file ${path} is not valid JSON: ${whereAndWhy(text, error)}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`The config file ${path} must hold a JSON object ({ "server": ..., "providers": ... }); it holds ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}.`);
  }
  // `"$schema": "./proxy.schema.json"` is for the editor (completion, checks as you type), not a setting.
  const { $schema, ...config } = value as Record<string, unknown>;
  if ($schema !== undefined && typeof $schema !== 'string') throw new ConfigError(`The config file ${path} has a "$schema" that is not a string (it names the JSON Schema file, such as "./proxy.schema.json").`);
  return config;
}

function whereAndWhy(text: string, parseError: unknown): string {
  if (text.trim() === '') return 'the file is empty';
  try {
    const found = findJsonSyntaxError(text);
    if (found) return `line ${found.line}, column ${found.column}: ${found.problem}`;
  } catch {
    // Nesting too deep for the walk's stack: JSON.parse's own words follow.
  }
  return parseError instanceof Error ? parseError.message : String(parseError);
}
