/**
 * The policy configurations under measurement. Three are real engine configurations, parsed by
 * the engine's own schema; `blanket` is what "block everything consequential once tainted" would
 * do, computed from the engine's own taint verdict (the engine has no such switch, and should not:
 * it is the baseline precision is measured against).
 */
import { policySchema, type PolicyConfigInput, type PolicyConfig } from '../../src/policy/schema.js';
import type { ContextVerdict, ToolCallDecision } from '../../src/policy/types.js';
import type { ToolCallView } from '../../src/providers/types.js';
import { isReadOnly, TOOL_DECLARATIONS, TOOLS } from './tools.js';

export interface BenchConfig {
  readonly id: string;
  readonly description: string;
  readonly policy: PolicyConfig;
  /** A derived configuration decides from the engine's verdict instead of the engine's rules. */
  readonly decide?: (call: ToolCallView, verdict: ContextVerdict) => ToolCallDecision;
}

/**
 * What a careful operator would write for these agents, with nothing tuned to the corpus: reads of
 * the user's own data are allowed; results the user (or her company) wrote are trusted (the
 * address book, her profile, her balance, the standing orders she set up, calendar entries
 * organised inside the company); the CRM export is private data for the trifecta breaker.
 * Everything else keeps the default: allowed while the context is trusted, then only with every
 * target argument traced to trusted text.
 */
export const SENSIBLE_POLICY: PolicyConfigInput = {
  defaultToolAction: 'allow_when_context_trusted',
  tools: Object.entries(TOOLS)
    .filter(([, spec]) => spec.readOnly)
    .map(([tool]) => ({ id: 'read-only', tool, action: 'allow' as const })),
  trustedData: [
    { id: 'contacts', tool: 'search_contacts', action: 'trusted' },
    { id: 'profile', tool: 'get_user_information', action: 'trusted' },
    { id: 'balance', tool: 'get_balance', action: 'trusted' },
    { id: 'standing-orders', tool: 'get_scheduled_transactions', action: 'trusted' },
    // An invitation from outside lands in the calendar with the sender's own text: such a day is
    // not the user's words. The regex sees the result as compact JSON.
    { id: 'calendar-external', tool: 'get_calendar_events', when: [{ path: '$', operator: 'regex', value: '"organizer":"[^"]*@(?!corp\\.test")' }], action: 'untrusted' },
    { id: 'calendar', tool: 'get_calendar_events', action: 'trusted' },
    { id: 'crm', tool: 'export_customers', action: 'trusted' },
  ],
  trifecta: {
    privateDataTools: ['export_customers'],
    externalTools: ['send_*', 'forward_email', 'reply_to_email', 'post_webpage', 'get_webpage', 'share_file', 'invite_user_to_slack'],
  },
};

/**
 * The sensible deployment with every tool declared (its consequence class and arguments' roles,
 * from the tool descriptions: `TOOL_DECLARATIONS`), listings trusted for the names they list (a
 * hotel, a restaurant, a rental company, a file in the user's drive) while their reviews and
 * descriptions stay untrusted, and a person asked (`require_approval`) where a call's targets
 * cannot be traced to trusted content, instead of a refusal.
 */
export const DECLARED_POLICY: PolicyConfigInput = {
  ...SENSIBLE_POLICY,
  toolDeclarations: [...TOOL_DECLARATIONS],
  trustedData: [
    { id: 'hotel-names', tool: 'search_hotels', action: 'trusted', fields: ['$[*].name'] },
    { id: 'restaurant-names', tool: 'search_restaurants', action: 'trusted', fields: ['$[*].name'] },
    { id: 'rental-companies', tool: 'search_car_rentals', action: 'trusted', fields: ['$[*].company'] },
    { id: 'drive-listing', tool: 'list_files', action: 'trusted', fields: ['$[*].id', '$[*].path'] },
    // The payees she saved: their names and IBANs, not the notes beside them.
    { id: 'saved-payees', tool: 'get_payees', action: 'trusted', fields: ['$[*].name', '$[*].iban'] },
    // Payees the user has paid before: the bank's record, not the subject line the payer wrote.
    { id: 'past-payees', tool: 'get_most_recent_transactions', action: 'trusted', fields: ['$[*].recipient'] },
    // An event organised outside: who is invited is the calendar's record; its title and description are the sender's text.
    { id: 'calendar-external', tool: 'get_calendar_events', when: [{ path: '$', operator: 'regex', value: '"organizer":"[^"]*@(?!corp\\.test")' }], action: 'trusted', fields: ['$[*].attendees', '$[*].organizer'] },
    ...(SENSIBLE_POLICY.trustedData ?? []),
  ],
  consequences: {
    write_own: { whenUntraced: 'require_approval' },
    send: { whenUntraced: 'require_approval' },
    transact: { whenUntraced: 'require_approval' },
    delete: { whenUntraced: 'require_approval' },
    credential: { whenUntraced: 'require_approval' },
  },
};

function blanket(call: ToolCallView, verdict: ContextVerdict): ToolCallDecision {
  const base = { kind: 'tool_call' as const, toolCallId: call.id, tool: call.name, ruleId: 'blanket' };
  if (verdict.tainted && !isReadOnly(call.name)) return { ...base, action: 'block', reason: `"${call.name}" was blocked: the context holds untrusted content` };
  return { ...base, action: 'allow', reason: isReadOnly(call.name) ? 'a read' : 'the context holds only trusted content' };
}

export const CONFIGS: readonly BenchConfig[] = [
  { id: 'default', description: 'no configuration at all: `policySchema.parse({})`', policy: policySchema.parse({}) },
  {
    id: 'blanket',
    description: 'every consequential (non-read) call blocked once the context is tainted; computed from the default verdict',
    policy: policySchema.parse({}),
    decide: blanket,
  },
  { id: 'quarantine', description: 'the engine\'s `quarantine: true`: no call at all in a tainted context', policy: policySchema.parse({ quarantine: true }) },
  { id: 'sensible', description: 'a careful deployment: reads allowed, the user\'s own data trusted, the CRM private (`SENSIBLE_POLICY`)', policy: policySchema.parse(SENSIBLE_POLICY) },
  {
    id: 'declared',
    description: 'the sensible deployment with every tool declared, listings trusted for their names, and a person asked where a target cannot be traced (`DECLARED_POLICY`)',
    policy: policySchema.parse(DECLARED_POLICY),
  },
];
