/**
 * Connection-specific headers (RFC 9110 §7.6.1) plus the ones a proxy must set itself. They never
 * cross the proxy in either direction.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** Header names the `Connection` header lists are hop-by-hop too (RFC 9110 §7.6.1). */
export function connectionListed(connection: string | null | undefined): Set<string> {
  const listed = new Set<string>();
  if (!connection) return listed;
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
}

export function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name);
}
