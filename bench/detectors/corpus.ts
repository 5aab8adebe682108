/**
 * Loads the labelled corpus: every `bench/corpora/*.jsonl` file, one sample a line,
 * `{"id", "group", "tags"?, "text"}` with the labels as markup in `text` (markup.ts).
 *
 * - `positive`: at least one labelled value; `negative`: none (hard negatives, benign text);
 *   `mixed`: realistic text (chat, logs, tool results) with any number of labelled values.
 * - Tag `limit`: a documented limit (a key split across two JSON strings, base64-encoded...): the
 *   detectors are not expected to find it; scored apart and never gated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DETECTOR_IDS } from '../../src/policy/data-leak/index.js';
import { expandMarkup, type GoldSpan } from './markup.js';

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpora');

export const GROUPS = ['positive', 'negative', 'mixed'] as const;
export type Group = (typeof GROUPS)[number];

export interface CorpusLine {
  readonly id: string;
  readonly group: Group;
  readonly tags?: readonly string[];
  readonly text: string;
}

export interface Sample {
  readonly id: string;
  readonly file: string;
  readonly group: Group;
  readonly tags: readonly string[];
  readonly text: string;
  readonly gold: readonly GoldSpan[];
  readonly limit: boolean;
}

const KNOWN = new Set<string>(DETECTOR_IDS);

function toSample(line: CorpusLine, file: string): Sample {
  const where = `${file}: ${line.id}`;
  if (typeof line.id !== 'string' || typeof line.text !== 'string' || !GROUPS.includes(line.group)) throw new Error(`${where}: needs id, group and text`);
  const { text, gold } = expandMarkup(line.text, line.id);
  for (const span of gold) if (!KNOWN.has(span.detector)) throw new Error(`${where}: unknown detector ${span.detector}`);
  if (line.group === 'negative' && gold.length > 0) throw new Error(`${where}: a negative sample has labels`);
  if (line.group === 'positive' && gold.length === 0) throw new Error(`${where}: a positive sample has no label`);
  const tags = line.tags ?? [];
  return { id: line.id, file, group: line.group, tags, text, gold, limit: tags.includes('limit') };
}

export function parseCorpusFile(content: string, file: string): Sample[] {
  return content
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return toSample(JSON.parse(line) as CorpusLine, file);
      } catch (error) {
        throw new Error(`${file}:${index + 1}: ${(error as Error).message}`);
      }
    });
}

/** Every sample of every corpus file, in file then line order; ids must be unique. */
export function loadCorpus(dir = CORPUS_DIR): Sample[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  const samples = files.flatMap((file) => parseCorpusFile(readFileSync(join(dir, file), 'utf8'), file));
  const seen = new Set<string>();
  for (const sample of samples) {
    if (seen.has(sample.id)) throw new Error(`duplicate sample id ${sample.id}`);
    seen.add(sample.id);
  }
  return samples;
}
