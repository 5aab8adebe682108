/**
 * Splits an NDJSON byte stream (already decoded to text) into lines. A line longer than
 * `maxLineLength` without its newline is an error: memory stays bounded.
 */
export function createNdjsonSplitter(options: { onLine(line: string): void; onOverflow(): void; maxLineLength: number }) {
  let buffer = '';
  return {
    feed(text: string): void {
      buffer += text;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line.trim() !== '') options.onLine(line);
        newline = buffer.indexOf('\n');
      }
      if (buffer.length > options.maxLineLength) {
        buffer = '';
        options.onOverflow();
      }
    },
    /** The end of the stream: an unterminated last line still counts (Ollama ends with one). */
    end(): void {
      if (buffer.trim() !== '') options.onLine(buffer.replace(/\r$/, ''));
      buffer = '';
    },
  };
}
