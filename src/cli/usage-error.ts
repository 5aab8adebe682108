import { ConfigError } from '../errors.js';

/** How every command ends: the one convention, printed by `--help`. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export const EXIT_CODES_HELP = 'Exit codes: 0 done; 1 it failed (a store, a file, the config, a request); 2 the command line is wrong (an unknown command or flag, a missing or bad value).';

/**
 * The command line itself is wrong: an unknown command or flag, a missing argument, a bad flag
 * value. Exits 2 with the message (and no stack trace); a ConfigError about a file exits 1.
 */
export class UsageError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof UsageError;
}
