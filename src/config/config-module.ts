import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';

/** Config files read as modules: their default export (what `defineConfig()` returns) is the config. */
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

export function isConfigModule(path: string): boolean {
  return MODULE_EXTENSIONS.some((extension) => path.endsWith(extension));
}

/**
 * The default export of a `.ts`/`.mjs`/`.js` config file (`export default defineConfig({...})`).
 * TypeScript is loaded through the host's own TypeScript support when it has it (tsx, Node's type
 * stripping), else through tsx if installed; a ConfigError says what to do when neither is there.
 */
export async function importConfigModule(path: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ConfigError(`Cannot read the config file ${JSON.stringify(path)}: no such file.`);
  const url = pathToFileURL(absolute).href;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(url)) as { default?: unknown };
  } catch (error) {
    if (!isTypeScript(path) || (error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw failedToLoad(path, error);
    loaded = await importWithTsx(path, url);
  }
  const config = loaded.default;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(`The config file ${path} must have a default export holding the config object (export default defineConfig({ ... })); its default export is ${config === undefined ? 'missing' : Array.isArray(config) ? 'an array' : config === null ? 'null' : `a ${typeof config}`}.`);
  }
  return config as Record<string, unknown>;
}

function isTypeScript(path: string): boolean {
  return /\.[mc]?ts$/.test(path);
}

async function importWithTsx(path: string, url: string): Promise<{ default?: unknown }> {
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    ({ tsImport } = (await import('tsx/esm/api' as string)) as { tsImport: typeof tsImport });
  } catch {
    throw new ConfigError(`The config file ${path} is TypeScript, which this Node.js cannot load by itself: install tsx (npm install --save-dev tsx), or write the config as .mjs or .json.`);
  }
  try {
    return (await tsImport(url, import.meta.url)) as { default?: unknown };
  } catch (error) {
    throw failedToLoad(path, error);
  }
}

function failedToLoad(path: string, error: unknown): ConfigError {
  return new ConfigError(`The config file ${path} could not be loaded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
}
