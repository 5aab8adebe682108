/**
 * Data-leak guards: secrets (OpenAI, Anthropic, AWS, GitHub, Slack, Google keys, PEM private keys)
 * and PII (emails, phone numbers, payment cards with Luhn, IBANs with mod-97), found in text, in
 * parsed JSON bodies (`scanJson`) and in streamed deltas (`createStreamRedactor`), redacted as
 * `[REDACTED:<detector>]` or blocked per `dataLeakSchema`. Pure and synchronous.
 *
 * Limits, by design: text is folded with NFKC one code point at a time and stripped of invisible
 * characters (zero-width space/joiners, BOM, soft hyphen, bidi controls) before scanning, which
 * catches full-width digits and zero-width obfuscation; a value split across two JSON strings or
 * two messages is not joined (each string is scanned alone; deltas of one stream are); base64 and
 * other encodings are not decoded, and base64 blobs/data URLs in JSON are skipped; inside raw JSON
 * text, a value right after a `\uXXXX` escape is missed (the escape is not decoded). Phone numbers
 * are international (`+CC …`), North-American with separators, or national with a trunk prefix 0
 * and separators (UK, French, German forms); bare digit runs are not flagged. Measured on a
 * labelled corpus by `npm run bench:detectors` (bench/DETECTORS.md).
 */
export { DETECTOR_IDS, DETECTORS, type Detector, type DetectorId, type DetectorKind, ibanChecksumValid, luhnValid, PII_DETECTORS, SECRET_DETECTORS } from './detectors.js';
export { foldForScan } from './normalize.js';
export { type DataLeakPolicy, type DataLeakVerdict, decideDataLeak, resolveDataLeakPolicy } from './policy.js';
export { compileDetectors, type DetectorSet, type EnabledDetectors, type Finding, placeholder, redactText, scanText } from './scan.js';
export { type JsonFinding, type JsonScanOptions, type JsonScanResult, scanJson } from './scan-json.js';
export { type DataLeakAction, type DataLeakConfig, type DataLeakConfigInput, dataLeakActionSchema, dataLeakSchema, detectorIdSchema } from './schema.js';
export { createRedactionChannels, type RedactionChannels } from './channels.js';
export { createStreamRedactor, type StreamRedactor, type StreamRedactorOptions } from './stream-redactor.js';
