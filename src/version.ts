import { readFileSync } from 'node:fs';

declare const __PACKAGE_VERSION__: string | undefined;

/**
 * The package version: injected by the build; from source (`npm start`, the tests) read from the
 * package.json beside `src/`, so the banner and the spans name the version being run.
 */
export const VERSION: string = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : sourceVersion();

function sourceVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0-dev';
  } catch {
    return '0.0.0-dev';
  }
}
