/**
 * The corpus markup: a sample's text marks each value a detector must find as
 * `⟦detector:value⟧`, so the labels live next to the words around them and a hand-written sample
 * is easy to read. `value` is literal (PII: fake but valid), or `$builder` for a secret built at
 * load time from a generator seeded by the sample id (fakes.ts), optionally obfuscated:
 * `$google|zw`. `⟦~:…⟧` inserts a value without labelling it (a negative that needs a built
 * secret's shape). The brackets are U+27E6/U+27E7, which no sample uses otherwise.
 */
import { SECRET_BUILDERS, seeded, TRANSFORMS } from './fakes.js';

export interface GoldSpan {
  readonly detector: string;
  /** `[start, end)` in the expanded text, in UTF-16 code units (as scanText reports). */
  readonly start: number;
  readonly end: number;
}

export interface Expanded {
  readonly text: string;
  readonly gold: readonly GoldSpan[];
}

const MARK = /⟦([a-z_~]+):([^⟧]*)⟧/g;
const UNLABELLED = '~';

/** FNV-1a: a stable 32-bit seed from a sample id, so a sample's values do not depend on file order. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function buildValue(spec: string, detector: string, r: ReturnType<typeof seeded>, where: string): string {
  if (!spec.startsWith('$')) return spec;
  const [name = '', ...transforms] = spec.slice(1).split('|');
  const builder = SECRET_BUILDERS[name];
  if (!builder) throw new Error(`${where}: unknown builder $${name}`);
  if (detector !== UNLABELLED && builder.detector !== detector) throw new Error(`${where}: $${name} builds ${builder.detector}, labelled ${detector}`);
  let value = builder.build(r);
  for (const transform of transforms) {
    const apply = TRANSFORMS[transform];
    if (!apply) throw new Error(`${where}: unknown transform ${transform}`);
    value = apply(value, r);
  }
  return value;
}

/** Expands the markup of one sample; `id` seeds its built values. */
export function expandMarkup(source: string, id: string): Expanded {
  const r = seeded(hash(id));
  const gold: GoldSpan[] = [];
  let text = '';
  let cursor = 0;
  MARK.lastIndex = 0;
  for (let match = MARK.exec(source); match; match = MARK.exec(source)) {
    const [whole, detector = '', spec = ''] = match;
    text += source.slice(cursor, match.index);
    const value = buildValue(spec, detector, r, id);
    if (detector !== UNLABELLED) gold.push({ detector, start: text.length, end: text.length + value.length });
    text += value;
    cursor = match.index + whole.length;
  }
  text += source.slice(cursor);
  if (text.includes('⟦') || text.includes('⟧')) throw new Error(`${id}: unbalanced markup`);
  return { text, gold };
}

/** Wraps a literal value as labelled markup. */
export const mark = (detector: string, value: string): string => `⟦${detector}:${value}⟧`;
