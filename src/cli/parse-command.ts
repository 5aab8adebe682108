import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closestName } from '../config/closest-name.js';
import { flagError } from './flag-error.js';
import { UsageError } from './usage-error.js';

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand<Flags extends ParseArgsOptionsConfig> {
  values: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: Flags & typeof HELP_FLAG }>>['values'];
  positionals: string[];
  /** `--help` or `-h` was given: print the help and do nothing else. */
  help: boolean;
}

/**
 * `parseArgs` for one command (strict, positionals allowed, `--help` added). A mistake is a
 * UsageError naming the flag and, for an unknown one, the known flag it most likely meant.
 */
export function parseCommand<Flags extends ParseArgsOptionsConfig>(command: string, argv: string[], flags: Flags): ParsedCommand<Flags> {
  const options = { ...flags, ...HELP_FLAG };
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
    return { values, positionals, help: (values as { help?: boolean }).help === true } as ParsedCommand<Flags>;
  } catch (error) {
    const message = flagError(error, Object.keys(options), command);
    if (message === undefined) throw error;
    throw new UsageError(message);
  }
}

/**
 * The action a command was given (`keys create`), or a UsageError naming an unknown one with
 * the closest known action; `undefined` when none was given.
 */
export function actionOf(command: string, given: string | undefined, actions: readonly string[]): string | undefined {
  if (given === undefined || actions.includes(given)) return given;
  const guess = closestName(given, actions);
  throw new UsageError(`Unknown ${command} command "${given}"${guess ? `; did you mean "${guess}"?` : ''} (${command} takes ${actions.join(', ')}; archestra-proxy ${command} --help).`);
}
