/**
 * A real Chromium for the browser tests: Debian's `chromium` driven by playwright-core. A fresh
 * machine has none, so it is installed here with apt-get (CI runs as root with Debian's packages
 * reachable); when that cannot be done the tests fail with the reason, never skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** How long installing Chromium may take: apt-get on a fresh machine downloads ~100 MB. */
export const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** The flags that make Chromium start quietly on a machine with a closed network. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The path of a Chromium, installing Debian's when there is none (`CHROMIUM_PATH` names another). */
export function ensureChromium(): string {
  const wanted = process.env.CHROMIUM_PATH;
  if (wanted) {
    if (!existsSync(wanted)) throw new Error(`CHROMIUM_PATH=${wanted}: no such file.`);
    return wanted;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(`The browser tests need Chromium at ${DEBIAN_CHROMIUM}: run \`apt-get install -y chromium\` as root (or set CHROMIUM_PATH).`);
  }
  console.log('[browser tests] installing Debian\'s chromium with apt-get ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const run = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
    if (run.status !== 0) {
      throw new Error(`The browser tests need Chromium, and \`apt-get ${args.join(' ')}\` failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stderr?.slice(-2000) ?? ''}`);
    }
  }
  if (!existsSync(DEBIAN_CHROMIUM)) throw new Error(`apt-get installed chromium, but ${DEBIAN_CHROMIUM} is not there.`);
  return DEBIAN_CHROMIUM;
}

/** Headless Chromium with a fresh profile (playwright makes a new user-data-dir for each launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), headless: true, args: FLAGS });
}
