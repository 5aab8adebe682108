import { safeParseJson } from '../providers/shared/json.js';
import { leavesOf } from './json-paths.js';
import type { ToolDeclaration } from './schema.js';
import { argumentLeaves, type ArgumentLeaf } from './declarations.js';
import type { ArgumentProvenance, ContextVerdict } from './types.js';
import { addressesIn, foundIn, isWholeTarget, words } from './value-match.js';

/**
 * Traces the values of a call's arguments that say where the action goes or whom it touches to
 * the message they came from: trusted when the user, the system or a trusted tool (or a trusted
 * field of a result) wrote them; untrusted when they stand only in untrusted content; unknown
 * when they stand nowhere.
 *
 * Which values: declared targets and secrets whatever their shape (a payee's name, a channel);
 * the addresses and links inside declared content; never declared ids. An undeclared argument is
 * read by its shape: a single address, URL, domain (not a file name), path or long number is a
 * target; free text gives only the addresses and links inside it.
 */
export function traceArguments(argumentsJson: string, verdict: ContextVerdict, declaration?: ToolDeclaration): ArgumentProvenance[] {
  const leaves = argumentLeaves(argumentsJson, declaration);
  if (!leaves) return [{ path: '$', value: argumentsJson.slice(0, 200), source: 'unknown', role: 'target' }];
  return traceLeaves(leaves, verdict);
}

/** As `traceArguments`, on arguments already split into leaves; `idsAsTargets` traces ids too. */
export function traceLeaves(leaves: readonly ArgumentLeaf[], verdict: ContextVerdict, idsAsTargets = false): ArgumentProvenance[] {
  return leaves.flatMap((leaf) => tracedValues(leaf, idsAsTargets).map(({ value, role }) => trace(leaf.path, value, role, verdict)));
}

function tracedValues(leaf: ArgumentLeaf, idsAsTargets: boolean): { value: string; role: 'target' | 'content' | 'secret' }[] {
  switch (leaf.role) {
    case 'id':
      return idsAsTargets && words(leaf.value).length > 0 ? [{ value: leaf.value, role: 'target' }] : [];
    case 'target':
    case 'secret':
      return words(leaf.value).length > 0 ? [{ value: leaf.value, role: leaf.role }] : [];
    case 'content':
      return addressesIn(leaf.value).map((value) => ({ value, role: 'content' }));
    case 'undeclared':
      // A number in the JSON (an amount, a count) is not read as a target unless declared one.
      if (leaf.numeric) return [];
      if (isWholeTarget(leaf.value)) return [{ value: leaf.value, role: 'target' }];
      return /\s/.test(leaf.value) ? addressesIn(leaf.value).map((value) => ({ value, role: 'content' })) : [];
  }
}

function trace(path: string, value: string, role: ArgumentProvenance['role'], verdict: ContextVerdict): ArgumentProvenance {
  // A secret's value is never recorded: where it came from is enough.
  const shown = role === 'secret' ? '[secret]' : value;
  const trusted = verdict.trustedTexts.filter((entry) => foundIn(entry.text, value));
  const firm = trusted.find((entry) => entry.origin !== 'field');
  if (firm) return { path, value: shown, source: 'trusted', messageIndex: firm.messageIndex, role };
  if (trusted[0]) {
    // Only a trusted field (a listing) has it: an instruction in untrusted text that names it
    // may have picked it among the others.
    const named = verdict.untrustedTexts.find((entry) => stringValues(entry.text).some((text) => foundIn(text, value)));
    if (!named) return { path, value: shown, source: 'trusted', messageIndex: trusted[0].messageIndex, role };
    return { path, value: shown, source: 'untrusted', messageIndex: named.messageIndex, role, contested: true };
  }
  const untrusted = verdict.untrustedTexts.find((entry) => foundIn(entry.text, value));
  if (untrusted) return { path, value: shown, source: 'untrusted', messageIndex: untrusted.messageIndex, role };
  return { path, value: shown, source: 'unknown', role };
}

/** The free text of an untrusted result: its string values when it is JSON (not its keys), else itself. */
function stringValues(text: string): string[] {
  const parsed = safeParseJson(text);
  return parsed.success && parsed.value !== null && typeof parsed.value === 'object' ? leavesOf(parsed.value).map((leaf) => leaf.value) : [text];
}
