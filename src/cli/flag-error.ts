import { closestName } from '../config/closest-name.js';

/**
 * What to tell the user about a mistake `parseArgs` threw (an unknown flag, a flag without its
 * value), naming the flag and, for an unknown one, the known flag it most likely meant.
 * Undefined for any other error.
 */
export function flagError(error: unknown, knownFlags: readonly string[] = [], command?: string): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_') || !(error instanceof Error)) return undefined;
  const help = `archestra-proxy ${command ? `${command} ` : ''}--help lists the flags`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^']*)'/.exec(error.message)?.[1] ?? 'given';
    const guess = closestName(flag.replace(/^-+/, '').split('=')[0]!, knownFlags);
    return `Unknown flag ${flag}${command ? ` for ${command}` : ''}${guess ? `; did you mean --${guess}?` : ''} (${help}).`;
  }
  // e.g. "Option '-p, --port <value>' argument missing": already names the flag.
  return `${error.message} (${help}).`;
}
