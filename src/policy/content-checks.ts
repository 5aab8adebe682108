import { compileDetectors, scanText, SECRET_DETECTORS } from './data-leak/index.js';
import type { ArgumentLeaf } from './declarations.js';
import type { ContextVerdict } from './types.js';
import { foundIn, isWholeTarget, words } from './value-match.js';

/** Why a call's content may not leave, by argument path. */
export interface ContentConcern {
  path: string;
  why: string;
}

/** Data of the user's that must not leave through a send in a tainted context: cards, IBANs, secrets. */
const SENSITIVE = compileDetectors([...SECRET_DETECTORS, 'credit_card', 'iban']);
const NAMES: Readonly<Record<string, string>> = { credit_card: 'a payment card number', iban: 'an IBAN' };

/** Declared content, or an undeclared value that is not itself a target (an address, an account number). */
const isContent = (leaf: ArgumentLeaf) => !leaf.numeric && (leaf.role === 'content' || (leaf.role === 'undeclared' && !isWholeTarget(leaf.value)));

/**
 * A card number, an IBAN or a secret in the call's content that the user (or the system prompt)
 * did not write: an injection's way to carry data out through a recipient the user trusts.
 */
export function sensitiveContent(leaves: readonly ArgumentLeaf[], verdict: ContextVerdict): ContentConcern | null {
  for (const leaf of leaves.filter(isContent)) {
    for (const finding of scanText(leaf.value, SENSITIVE)) {
      const value = leaf.value.slice(finding.start, finding.end);
      if (verdict.trustedTexts.some((entry) => entry.origin === 'user' && foundIn(entry.text, value))) continue;
      return { path: leaf.path, why: `its content ${leaf.path} carries ${NAMES[finding.detector] ?? `a secret (${finding.detector})`} that the user did not write` };
    }
  }
  return null;
}

/** A sentence this long copied word for word from untrusted content was dictated, not written. */
const DICTATED_WORDS = 6;

/**
 * Content dictated by untrusted content: a content argument (declared, or undeclared free text),
 * or one of its sentences of six words or more, that stands word for word in untrusted content and nowhere trusted (an
 * email's "tell your boss: I quit").
 */
export function dictatedContent(leaves: readonly ArgumentLeaf[], verdict: ContextVerdict): ContentConcern | null {
  for (const leaf of leaves.filter((entry) => isContent(entry) && /\s/.test(entry.value))) {
    for (const sentence of leaf.value.split(/(?<=[.!?])\s+|\n+/)) {
      if (words(sentence).length < DICTATED_WORDS) continue;
      const source = verdict.untrustedTexts.find((entry) => foundIn(entry.text, sentence));
      if (!source || verdict.trustedTexts.some((entry) => foundIn(entry.text, sentence))) continue;
      return { path: leaf.path, why: `its content ${leaf.path} is copied word for word from untrusted content (message ${source.messageIndex})` };
    }
  }
  return null;
}
