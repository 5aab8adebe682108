/**
 * Fake values for the detector corpus, built at run time from a seeded generator so that no
 * credential-shaped string is committed (the corpus files hold `$builder` references instead, see
 * markup.ts) and GitHub's secret scanning has nothing to match. PII (cards, IBANs, phones, emails)
 * is fake but valid in format and checksum, and is committed as it is: example domains, 555-01xx
 * and the regulators' drama ranges for phones, random Luhn/mod-97-valid numbers.
 */
import {
  ALNUM,
  anthropicKey,
  awsAccessKey,
  BASE64,
  DIGITS,
  githubClassicToken,
  githubFineGrainedToken,
  googleApiKey,
  KEY_CHARS,
  openaiKey,
  pemPrivateKey,
  type Random,
  seeded,
  slackBotToken,
} from '../../src/policy/data-leak/__fixtures__/values.js';

export { ALNUM, BASE64, DIGITS, type Random, seeded };

const join = (...parts: string[]) => parts.join('');

/** Secret builders by the name a corpus sample refers to them with (`$openai_proj`). */
export const SECRET_BUILDERS: Readonly<Record<string, { detector: string; build: (r: Random) => string }>> = {
  openai_proj: { detector: 'openai_key', build: (r) => openaiKey(r, 'proj') },
  openai_svcacct: { detector: 'openai_key', build: (r) => openaiKey(r, 'svcacct') },
  openai_legacy: { detector: 'openai_key', build: (r) => openaiKey(r, 'legacy') },
  anthropic: { detector: 'anthropic_key', build: anthropicKey },
  anthropic_admin: { detector: 'anthropic_key', build: (r) => join('sk', '-ant-', 'admin01', '-', r.token(93, KEY_CHARS), 'A', 'A') },
  aws_akia: { detector: 'aws_access_key', build: (r) => awsAccessKey(r, 'AKIA') },
  aws_asia: { detector: 'aws_access_key', build: (r) => awsAccessKey(r, 'ASIA') },
  ghp: { detector: 'github_token', build: githubClassicToken },
  gho: { detector: 'github_token', build: (r) => join('gh', 'o', '_', r.token(36, ALNUM)) },
  github_pat: { detector: 'github_token', build: githubFineGrainedToken },
  slack_bot: { detector: 'slack_token', build: slackBotToken },
  slack_user: { detector: 'slack_token', build: (r) => join('xo', 'xp', '-', r.token(12, DIGITS), '-', r.token(12, DIGITS), '-', r.token(13, DIGITS), '-', r.token(32, '0123456789abcdef')) },
  slack_app: { detector: 'slack_token', build: (r) => join('xa', 'pp', '-1-', 'A0', r.token(9, ALNUM.slice(0, 26) + DIGITS), '-', r.token(13, DIGITS), '-', r.token(64, '0123456789abcdef')) },
  google: { detector: 'google_api_key', build: googleApiKey },
  pem_rsa: { detector: 'private_key', build: (r) => pemPrivateKey(r, 'RSA PRIVATE KEY', 4 + r.int(20)) },
  pem_pkcs8: { detector: 'private_key', build: (r) => pemPrivateKey(r, 'PRIVATE KEY', 4 + r.int(20)) },
  pem_ec: { detector: 'private_key', build: (r) => pemPrivateKey(r, 'EC PRIVATE KEY', 2) },
  pem_openssh: { detector: 'private_key', build: (r) => pemPrivateKey(r, 'OPENSSH PRIVATE KEY', 4 + r.int(10), '\n') },
  pem_encrypted: { detector: 'private_key', build: (r) => pemPrivateKey(r, 'ENCRYPTED PRIVATE KEY', 4 + r.int(10)) },
  /** As it appears inside a JSON string: newlines escaped. */
  pem_escaped: { detector: 'private_key', build: (r) => pemPrivateKey(r, 'PRIVATE KEY', 4 + r.int(10), '\\n') },
};

/** Zero-width characters an attacker (or a copy-paste) slips into a value. */
const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF'];

/**
 * Obfuscations a sample can apply to a value (`$google|zw`). `zw` and `fullwidth` are folded away
 * by normalize.ts; `split`, `base64` and `spaced` are documented limits (tagged `limit` in the
 * corpus, reported apart from the gated metrics).
 */
export const TRANSFORMS: Readonly<Record<string, (value: string, r: Random) => string>> = {
  zw: (value, r) => [...value].map((char, i) => (i > 0 && i % 7 === 0 ? r.pick(ZERO_WIDTH) : '') + char).join(''),
  fullwidth: (value) => value.replace(/[!-~]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0)),
  /** Two JSON string values: each is scanned on its own. */
  split: (value) => `${value.slice(0, value.length >> 1)}", "part2": "${value.slice(value.length >> 1)}`,
  base64: (value) => Buffer.from(value).toString('base64'),
  spaced: (value) => [...value].join(' '),
};
