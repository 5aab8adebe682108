/**
 * Where a link or an image's address leads, judged the way a browser would resolve it (the WHATWG
 * URL parser: `\` as `/`, percent-decoded and IDNA-mapped hosts, user info dropped), against the
 * allowed hosts.
 */

/** Relative addresses resolve against this host: they stay on the client's own origin. */
const RELATIVE_BASE = 'https://relative.invalid/';
const RELATIVE_HOST = 'relative.invalid';

/** Says whether a (normalised) host may be linked to. */
export type HostAllowlist = (host: string) => boolean;

/**
 * A pattern of `allowedDomains` as a normalised host, `*.`-prefixed for a wildcard; null when it
 * is not a bare host name.
 */
export function normalizeDomainPattern(pattern: string): string | null {
  const trimmed = pattern.trim().toLowerCase();
  const wildcard = trimmed.startsWith('*.');
  const name = wildcard ? trimmed.slice(2) : trimmed;
  if (name === '' || /[\s/:?#@*\\]/.test(name)) return null;
  try {
    const host = new URL(`https://${name}/`).hostname.replace(/\.$/, '');
    return host === '' ? null : wildcard ? `*.${host}` : host;
  } catch {
    return null;
  }
}

export function compileAllowlist(patterns: readonly string[]): HostAllowlist {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const pattern of patterns) {
    const normalized = normalizeDomainPattern(pattern);
    if (normalized === null) continue;
    if (normalized.startsWith('*.')) suffixes.push(normalized.slice(1));
    else exact.add(normalized);
  }
  return (host) => exact.has(host) || suffixes.some((suffix) => host.endsWith(suffix));
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  colon: ':', sol: '/', bsol: '\\', period: '.', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'",
  tab: '\t', newline: '\n', lpar: '(', rpar: ')', equals: '=', commat: '@', num: '#', quest: '?', percnt: '%',
};

/**
 * Decodes character references (`&#47;`, `&#x2F;`, `&sol;`; the `;` optional, as browsers read
 * attributes) and markdown backslash escapes, so `https&#58;//x` is judged as `https://x`.
 * Decoding more leniently than a renderer only makes more addresses absolute, never fewer.
 */
export function decodeReferences(text: string): string {
  if (!text.includes('&') && !text.includes('\\')) return text;
  return text
    .replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,8}));?/gi, (whole, dec?: string, hex?: string, name?: string) => {
      if (name !== undefined) return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
      const code = dec !== undefined ? Number(dec) : Number.parseInt(hex as string, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    })
    .replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/**
 * What a link to `address` gives away: null when it stays on the client's origin (a relative
 * address) or goes to an allowed host; else a label for the placeholder (the host, or the scheme
 * of an address without one: `mailto`, `data`; `invalid` when it does not parse).
 */
export function judgeAddress(address: string, allows: HostAllowlist): string | null {
  // Browsers drop tabs and line breaks anywhere in a URL, and spaces and controls around it.
  const cleaned = decodeReferences(address)
    .replace(/[\t\n\r]/g, '')
    .replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
  if (cleaned === '') return null;
  let url: URL;
  try {
    url = new URL(cleaned, RELATIVE_BASE);
  } catch {
    return 'invalid';
  }
  const host = url.hostname.replace(/\.$/, '');
  if (host === RELATIVE_HOST) return null;
  if (host === '') return url.protocol.replace(/:$/, '') || 'invalid';
  return allows(host) ? null : host;
}
