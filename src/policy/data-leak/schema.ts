import { z } from 'zod';
import { DETECTOR_IDS } from './detectors.js';

/** `redact` replaces the value with `[REDACTED:<detector>]`; `block` refuses the request or answer; `off` skips the detector. */
export const dataLeakActionSchema = z.enum(['redact', 'block', 'off']);

export const detectorIdSchema = z.enum(DETECTOR_IDS);

/**
 * Data-leak guards on requests and answers (messages, system prompts, tool results, tool-call
 * arguments, streamed deltas). To be merged into the policy schema as
 * `dataLeak: dataLeakSchema.prefault({})`.
 */
export const dataLeakSchema = z.strictObject({
  /** API keys, tokens and private keys. @default 'redact' */
  secrets: dataLeakActionSchema.default('redact'),
  /** Email addresses, phone numbers, payment cards (Luhn), IBANs (mod-97). @default 'off' */
  pii: dataLeakActionSchema.default('off'),
  /** Per-detector overrides of the two above: `{ email: 'block', phone: 'off' }`. */
  detectors: z.partialRecord(detectorIdSchema, dataLeakActionSchema).optional(),
});

export type DataLeakAction = z.output<typeof dataLeakActionSchema>;
export type DataLeakConfig = z.output<typeof dataLeakSchema>;
export type DataLeakConfigInput = z.input<typeof dataLeakSchema>;
