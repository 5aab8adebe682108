/** Where and why a text is not JSON: 1-based line and column of the first mistake. */
export interface JsonSyntaxError {
  line: number;
  column: number;
  problem: string;
}

/**
 * Finds the first mistake in a text that `JSON.parse` refused. Node 20's `JSON.parse` names no
 * position for most mistakes, so this walks the text by the JSON grammar (RFC 8259) itself.
 * Returns undefined when the text is valid JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const fail = (problem: string): never => {
    throw new Located(at, problem);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const found = (): string => {
    const char = text[at];
    if (char === undefined) return 'the end of the file';
    if (char === '/') return '"/" (JSON has no comments)';
    if (char === "'") return `"'" (JSON strings take double quotes)`;
    return JSON.stringify(char);
  };
  const expect = (char: string, what: string) => {
    skipSpace();
    if (text[at] !== char) fail(`expected ${what}, found ${found()}`);
    at++;
  };
  const string = () => {
    at++;
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('a string that never ends (a missing closing ")');
      if (char === '"') return void at++;
      if (char! < ' ') fail('a control character inside a string (write \\n for a line break, \\t for a tab)');
      if (char === '\\') {
        const escape = text[at + 1];
        if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) at += 6;
        else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) at += 2;
        else fail('a bad escape inside a string (write \\\\ for a backslash)');
      } else at++;
    }
  };
  const members = (close: string, member: () => void) => {
    at++;
    skipSpace();
    if (text[at] === close) return void at++;
    for (;;) {
      member();
      skipSpace();
      if (text[at] === close) return void at++;
      if (text[at] !== ',') fail(`expected "," or "${close}", found ${found()}`);
      at++;
      skipSpace();
      if (text[at] === close) fail(`a comma before "${close}" (JSON allows no trailing comma)`);
    }
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === '{') {
      return members('}', () => {
        skipSpace();
        if (text[at] !== '"') fail(`expected a field name in double quotes, found ${found()}`);
        string();
        expect(':', '":"');
        value();
      });
    }
    if (char === '[') return members(']', value);
    if (char === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, at)) return void (at += word.length);
    }
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = at;
    if (number.exec(text) && number.lastIndex > at && !/[\w.]/.test(text[number.lastIndex] ?? '')) return void (at = number.lastIndex);
    fail(`expected a value, found ${found()}`);
  };
  try {
    value();
    skipSpace();
    if (at < text.length) fail(`expected the end of the file after the value, found ${found()}`);
    return undefined;
  } catch (error) {
    if (!(error instanceof Located)) throw error;
    const before = text.slice(0, error.offset);
    const line = before.split('\n').length;
    return { line, column: error.offset - before.lastIndexOf('\n'), problem: error.problem };
  }
}

class Located {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}
