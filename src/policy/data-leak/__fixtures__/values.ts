/**
 * Test values, built at run time from pieces and a seeded generator, so that no string in the
 * repository looks like a real credential to a secret scanner.
 */

/** mulberry32: a small deterministic generator. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const token = (length: number, alphabet: string): string => Array.from({ length }, () => alphabet[int(alphabet.length)]).join('');
  return { next, int, pick, token };
}

export type Random = ReturnType<typeof seeded>;

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const ALNUM = UPPER + LOWER + DIGITS;
export const KEY_CHARS = `${ALNUM}_-`;
export const BASE32 = `${UPPER}234567`;
export const BASE64 = `${ALNUM}+/`;

const join = (...parts: string[]) => parts.join('');

export function openaiKey(r: Random, kind: 'proj' | 'svcacct' | 'legacy' = 'proj'): string {
  const marker = join('T3Blbk', 'FJ');
  if (kind === 'legacy') return join('sk', '-', r.token(20, ALNUM), marker, r.token(20, ALNUM));
  return join('sk', '-', kind, '-', r.token(74, KEY_CHARS), marker, r.token(74, KEY_CHARS));
}

export function anthropicKey(r: Random): string {
  return join('sk', '-ant-', 'api03', '-', r.token(93, KEY_CHARS), 'A', 'A');
}

export function awsAccessKey(r: Random, prefix: 'AKIA' | 'ASIA' = 'AKIA'): string {
  return join(prefix.slice(0, 2), prefix.slice(2), r.token(16, BASE32));
}

export function githubClassicToken(r: Random): string {
  return join('gh', 'p', '_', r.token(36, ALNUM));
}

export function githubFineGrainedToken(r: Random): string {
  return join('github', '_pat_', r.token(22, ALNUM), '_', r.token(59, ALNUM));
}

export function slackBotToken(r: Random): string {
  return join('xo', 'xb', '-', r.token(12, DIGITS), '-', r.token(13, DIGITS), '-', r.token(24, ALNUM));
}

export function googleApiKey(r: Random): string {
  return join('AI', 'za', r.token(35, KEY_CHARS));
}

export function pemPrivateKey(r: Random, label = 'RSA PRIVATE KEY', lines = 6, newline = '\n'): string {
  const dashes = '-'.repeat(5);
  const body = Array.from({ length: lines }, () => r.token(64, BASE64)).join(newline);
  return join(dashes, 'BEGIN ', label, dashes, newline, body, newline, r.token(20, BASE64), '==', newline, dashes, 'END ', label, dashes);
}

/** One of every secret kind, with the detector expected to catch it. */
export function everySecret(r: Random): [detector: string, value: string][] {
  return [
    ['openai_key', openaiKey(r, 'proj')],
    ['openai_key', openaiKey(r, 'svcacct')],
    ['openai_key', openaiKey(r, 'legacy')],
    ['anthropic_key', anthropicKey(r)],
    ['aws_access_key', awsAccessKey(r, 'AKIA')],
    ['aws_access_key', awsAccessKey(r, 'ASIA')],
    ['github_token', githubClassicToken(r)],
    ['github_token', githubFineGrainedToken(r)],
    ['slack_token', slackBotToken(r)],
    ['google_api_key', googleApiKey(r)],
    ['private_key', pemPrivateKey(r)],
    ['private_key', pemPrivateKey(r, 'PRIVATE KEY')],
    ['private_key', pemPrivateKey(r, 'OPENSSH PRIVATE KEY', 4)],
    ['private_key', pemPrivateKey(r, 'EC PRIVATE KEY', 2)],
  ];
}

/** Public test numbers: card numbers from the card networks' test ranges, IBANs from the registry's examples. */
export const VALID_CARDS = ['4111 1111 1111 1111', '4242-4242-4242-4242', '378282246310005', '5555555555554444', '6011111111111117', '3782 822463 10005'];
export const VALID_IBANS = ['GB82 WEST 1234 5698 7654 32', 'DE89 3704 0044 0532 0130 00', 'gb82west12345698765432', 'DE89370400440532013000', 'FR14 2004 1010 0505 0001 3M02 606', 'NL91ABNA0417164300', 'NO9386011117947'];
export const EMAILS = ['jane.doe@example.com', 'j.o+tag@mail.example.co.uk', 'first_last@sub.example.org'];
export const PHONES = ['+1 (415) 555-0132', '+44 20 7946 0958', '+4915123456789', '415-555-0132', '(415) 555-0132', '415.555.0132'];
