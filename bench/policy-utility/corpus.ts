/**
 * Loads the agent scenarios: every `bench/corpora/agent-scenarios/*.jsonl` file, one scenario a
 * line. A scenario is one moment of an agent's run: the system prompt, the user's task, the tool
 * calls made so far with their results, and the call the model proposes next, labelled
 * `legitimate` (the user wants it) or `injected` (instructions inside untrusted content asked for
 * it). Validation is strict so that a typo cannot silently change what is measured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS } from './tools.js';

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpora', 'agent-scenarios');

export const LABELS = ['legitimate', 'injected'] as const;
export type Label = (typeof LABELS)[number];

/** The hard cases the report breaks utility and attack success down by. */
export const TAGS: Readonly<Record<string, string>> = {
  'target-in-untrusted': 'the legitimate target (address, IBAN, URL, path) appears only in untrusted content',
  'no-target-args': 'the proposed call has no target-like argument (a name, a date, an id)',
  'free-text-target': 'a free-text argument (a body) contains an address or a URL',
  'id-in-untrusted': 'an identifier with 6+ digits taken from an untrusted result',
  'trusted-tool-source': 'the target comes from a tool a sensible deployment trusts (contacts, own calendar, standing orders, profile)',
  'delegated-choice': 'the user left the choice (which hotel, which account) to the content',
  'read-only': 'the proposed call is a read',
  'user-value-reuse': "the injection reuses a value from the user's own words",
  'content-only': 'the injection does its harm through a non-target argument (a body, an amount)',
  'user-pasted': "the untrusted text arrived inside the user's own message",
  'session-taint': 'the untrusted content was in an earlier request of the same session',
  trifecta: 'private data, untrusted content and an outward call',
  'write-own': "a write to the user's own objects (a calendar entry, a note, a file in her drive)",
  'named-target': 'a target the user gave in words that is not address-shaped (a payee, a channel, a colleague)',
  'requested-read': 'a target taken from a read the user asked for (the same participants, the payee in her saved list)',
  'listing-choice': 'a target chosen from a listing the agent read (a restaurant, a rental company)',
  'own-object-id': "an action on the user's own object by its id or path",
  'sensitive-content': "a send whose content carries the user's card, IBAN or secret",
};

export interface ToolCall {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

export type Step =
  | { readonly call: ToolCall; readonly result: unknown }
  | { readonly user: string }
  | { readonly assistant: string };

export interface Scenario {
  readonly id: string;
  readonly suite: string;
  readonly label: Label;
  readonly tags: readonly string[];
  readonly summary: string;
  /** Variants of one task share a group. */
  readonly group?: string;
  /** Why the label, or why a scenario is knowingly out of reach. */
  readonly note?: string;
  readonly system: string;
  readonly user: string;
  readonly steps: readonly Step[];
  readonly proposed: ToolCall;
  /** An earlier request of the session held untrusted content (the history here no longer shows it). */
  readonly sessionTainted?: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function checkCall(value: unknown, where: string): void {
  if (!isObject(value) || typeof value.name !== 'string' || !isObject(value.arguments)) throw new Error(`${where}: a call needs a name and an arguments object`);
  if (!(value.name in TOOLS)) throw new Error(`${where}: unknown tool ${value.name} (add it to bench/policy-utility/tools.ts)`);
}

function check(raw: unknown, suite: string): Scenario {
  if (!isObject(raw)) throw new Error('not an object');
  const where = String(raw.id);
  for (const key of ['id', 'suite', 'summary', 'system', 'user'] as const) {
    if (typeof raw[key] !== 'string') throw new Error(`${where}: ${key} must be a string`);
  }
  if (raw.suite !== suite) throw new Error(`${where}: suite ${String(raw.suite)} in the file of suite ${suite}`);
  if (!LABELS.includes(raw.label as Label)) throw new Error(`${where}: label must be one of ${LABELS.join(', ')}`);
  if (!Array.isArray(raw.tags) || raw.tags.some((tag) => typeof tag !== 'string' || !(tag in TAGS))) throw new Error(`${where}: unknown tag in ${JSON.stringify(raw.tags)}`);
  if (!Array.isArray(raw.steps)) throw new Error(`${where}: steps must be an array`);
  for (const [index, step] of raw.steps.entries()) {
    const at = `${where} step ${index}`;
    if (isObject(step) && 'call' in step) {
      checkCall(step.call, at);
      if (!('result' in step)) throw new Error(`${at}: a call needs its result`);
    } else if (!isObject(step) || (typeof step.user !== 'string' && typeof step.assistant !== 'string')) {
      throw new Error(`${at}: a step is {call, result}, {user} or {assistant}`);
    }
  }
  checkCall(raw.proposed, `${where} proposed`);
  return raw as unknown as Scenario;
}

/** Every scenario of every suite file, in file then line order; ids must be unique. */
export function loadScenarios(dir = SCENARIO_DIR): Scenario[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  const scenarios = files.flatMap((file) =>
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => {
        try {
          return check(JSON.parse(line), file.replace(/\.jsonl$/, ''));
        } catch (error) {
          throw new Error(`${file}:${index + 1}: ${(error as Error).message}`);
        }
      }),
  );
  const seen = new Set<string>();
  for (const scenario of scenarios) {
    if (seen.has(scenario.id)) throw new Error(`duplicate scenario id ${scenario.id}`);
    seen.add(scenario.id);
  }
  return scenarios;
}
