/**
 * One error hierarchy with stable codes. `isArchestraError()` checks a global-symbol marker rather
 * than `instanceof`, so an error from the CJS build is recognised by the ESM build and vice versa.
 */
const MARKER = Symbol.for('archestra.error');

export type ArchestraErrorCode =
  | 'ARCHESTRA_CONFIG_INVALID'
  | 'ARCHESTRA_UNKNOWN_UPSTREAM'
  | 'ARCHESTRA_UNSUPPORTED_CLIENT'
  | 'ARCHESTRA_CLOSED'
  | 'ARCHESTRA_STORE_UNAVAILABLE';

export class ArchestraError extends Error {
  readonly [MARKER] = true;
  readonly code: ArchestraErrorCode;

  constructor(code: ArchestraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchestraError';
    this.code = code;
  }
}

/** The configuration failed validation; `message` names each bad field and what was expected. */
export class ConfigError extends ArchestraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ARCHESTRA_CONFIG_INVALID', message, options);
    this.name = 'ConfigError';
  }
}

/**
 * The store could not be read or written (a database that is down or stopped answering): a
 * request that needed it to be judged is refused with 503 and `Retry-After`, never let through.
 */
export class StoreUnavailableError extends ArchestraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ARCHESTRA_STORE_UNAVAILABLE', message, options);
    this.name = 'StoreUnavailableError';
  }
}

export function isStoreUnavailable(value: unknown): boolean {
  return isArchestraError(value) && value.code === 'ARCHESTRA_STORE_UNAVAILABLE';
}

export function isArchestraError(value: unknown): value is ArchestraError {
  return typeof value === 'object' && value !== null && MARKER in value;
}
