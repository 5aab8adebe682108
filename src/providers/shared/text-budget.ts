/** Most UTF-8 bytes of a streamed answer's text a reader keeps unless told: `audit.maxBodyBytes`'s default. */
export const DEFAULT_KEPT_TEXT_BYTES = 262_144;

/**
 * How much of a streamed answer's text its reader keeps: at most `maxBytes` UTF-8 bytes across
 * every place it is kept (choices, blocks, parts). What comes later is dropped, so a text-only
 * stream that runs on cannot grow the proxy; the audit row keeps no more than that either
 * (`audit.maxBodyBytes`). The guards never judge this text: they see each event as it passes.
 */
export class TextBudget {
  private used = 0;

  constructor(private readonly maxBytes = DEFAULT_KEPT_TEXT_BYTES) {}

  /** The start of `text` that still fits (never ending inside a character); '' once full. */
  take(text: string): string {
    const room = this.maxBytes - this.used;
    if (room <= 0 || text === '') return '';
    let bytes = 0;
    for (let at = 0; at < text.length; at++) {
      const unit = text.charCodeAt(at);
      // A surrogate pair is one character of 4 bytes: kept whole or not at all.
      const next = text.charCodeAt(at + 1);
      const pair = unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
      const size = pair ? 4 : unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
      if (bytes + size > room) {
        this.used = this.maxBytes;
        return text.slice(0, at);
      }
      bytes += size;
      if (pair) at++;
    }
    this.used += bytes;
    return text;
  }

  /** Gives back what a kept text took, when it is replaced (a part repeated whole by its `.done`). */
  release(text: string): void {
    this.used = Math.max(0, this.used - utf8Length(text));
  }
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
