import type { ArgumentProvenance, ContextVerdict } from './types.js';

/**
 * Where a value that blocks a call came from, and what would make it pass. The value itself stays
 * in the audit trail's provenance: the client never sees a refused call's arguments.
 */
export function whereFrom(culprit: ArgumentProvenance, verdict: ContextVerdict): string {
  const what = culprit.role === 'content' ? `the address or link in its argument ${culprit.path}` : `its argument ${culprit.path}`;
  if (culprit.contested) {
    return `${what} is in a trusted field, but untrusted content (message ${culprit.messageIndex}) names it too and may have chosen it; if the user wants it, they can name it in their own words`;
  }
  if (culprit.source === 'untrusted') {
    const source = verdict.results.find((result) => result.messageIndex === culprit.messageIndex && result.trust !== 'trusted');
    const from = source ? `untrusted content, the result of "${source.tool}" (message ${culprit.messageIndex})` : `untrusted content (message ${culprit.messageIndex})`;
    return `${what} comes from ${from}, not from the user; if the user wants it, they can give that value in their own words`;
  }
  return `${what} does not come from the user or a trusted source${verdict.taintedBySession ? ', and this session read untrusted content earlier' : ''}; if the user wants it, they can give that value in their own words`;
}
