/**
 * The README's TypeScript snippets compile as written, against the package's own types: a
 * newcomer who pastes one gets no error. Whole modules are checked as they are; a block of
 * statements gets the imports the README introduced before it (and a `proxy` when it uses one it
 * does not make); a block of config fields (`limits: ...`) is checked inside `createProxy({ })`,
 * a block of policy fields (`trustedData: ...`) inside its `policies`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { proxyConfigSchema } from '../../src/config/schema.js';

interface Snippet { line: number; heading: string; code: string }

/** Every ```ts block of the README, with the line it starts on and the heading it sits under. */
function readmeSnippets(): Snippet[] {
  const lines = readFileSync('README.md', 'utf8').split('\n');
  const snippets: Snippet[] = [];
  let heading = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^#{1,4} /.test(line)) heading = line.replace(/^#+ /, '');
    if (line.trim() !== '```ts') continue;
    const indent = line.indexOf('`');
    const start = index + 1;
    while (index + 1 < lines.length && lines[index + 1]!.trim() !== '```') index++;
    snippets.push({ line: start, heading, code: lines.slice(start, index + 1).map((text) => text.slice(indent)).join('\n') });
    index++;
  }
  return snippets;
}

const PRELUDE = "import OpenAI from 'openai';\nimport { createProxy, createProxyFetch, withArchestra } from '@archestra/llm-proxy';\n";

/** The snippet as a module a newcomer would have written around it. */
function asModule({ code }: Snippet): string {
  const first = code.split('\n').find((text) => text.trim() !== '' && !text.trim().startsWith('//')) ?? '';
  if (first.startsWith('import ')) return `${code}\nexport {};\n`;
  const field = /^([A-Za-z_$][\w$]*): /.exec(first)?.[1];
  if (field !== undefined) {
    // Fields of `policies` (the README's policy sections) go there; others at the top.
    const fields = field in proxyConfigSchema.shape ? code : `policies: {\n${code}\n},`;
    return `${PRELUDE}createProxy({\n${fields}\n});\nvoid OpenAI, createProxyFetch, withArchestra;\n`;
  }
  const proxy = /\bconst proxy\b/.test(code) || !/\bproxy\b/.test(code) ? '' : 'const proxy = createProxy();\n';
  return `${PRELUDE}${proxy}${code}\nvoid OpenAI, createProxyFetch, withArchestra, createProxy;\n`;
}

/**
 * Snippets known not to compile until the README takes the corrected text (the lead edits
 * README.md): remove an entry once its fix lands; any other snippet that fails fails the test.
 */
const PENDING_FIXES = new Set<string>([]);

describe('README.md snippets', () => {
  it('every TypeScript snippet compiles as written', () => {
    const snippets = readmeSnippets();
    expect(snippets.length).toBeGreaterThan(15);
    // Inside the repository, so that the package name and the SDKs resolve as they do for a user.
    const dir = mkdtempSync(join('test', '.readme-snippets-'));
    try {
      const files = snippets.map((snippet, index) => {
        const file = join(dir, `snippet-${index}-line-${snippet.line}.mts`);
        writeFileSync(file, asModule(snippet));
        return file;
      });
      const config = ts.getParsedCommandLineOfConfigFile('tsconfig.json', {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
      const program = ts.createProgram(files, { ...config.options, noUnusedLocals: false, noEmit: true });
      const failing = new Map<string, string[]>();
      for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const file = diagnostic.file && files.includes(relative('.', diagnostic.file.fileName)) ? relative('.', diagnostic.file.fileName) : undefined;
        if (!file) continue;
        const snippet = snippets[files.indexOf(file)]!;
        const key = `README.md:${snippet.line} (${snippet.heading})`;
        failing.set(key, [...(failing.get(key) ?? []), ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')]);
      }
      const unexpected = [...failing].filter(([key]) => ![...PENDING_FIXES].some((heading) => key.endsWith(`(${heading})`)));
      expect(unexpected, JSON.stringify(unexpected, null, 2)).toEqual([]);
      // A pending fix that has landed is taken off the list, so the snippet stays checked.
      const fixed = [...PENDING_FIXES].filter((heading) => ![...failing.keys()].some((key) => key.endsWith(`(${heading})`)));
      expect(fixed, 'these compile now: remove them from PENDING_FIXES').toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
