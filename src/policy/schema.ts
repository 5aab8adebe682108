import { z } from 'zod';
import { dataLeakSchema } from './data-leak/schema.js';
import { exfilLinksSchema } from './exfil-links/schema.js';

/** A comparison on one value found at `path` (a dot/bracket path into JSON: `to`, `$.recipients[0]`). */
const conditionSchema = z
  .strictObject({
    path: z.string().min(1).default('$'),
    operator: z.enum(['equal', 'notEqual', 'contains', 'notContains', 'startsWith', 'endsWith', 'regex', 'in']),
    value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]),
  })
  .refine((condition) => condition.operator !== 'regex' || isRegex(condition.value), { message: 'expected a valid regular expression as value', path: ['value'] })
  .refine((condition) => condition.operator !== 'in' || Array.isArray(condition.value), { message: 'the "in" operator expects an array value', path: ['value'] });

function isRegex(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * `require_approval` holds the call for a person's decision: the agent is told it awaits approval
 * (with an id), and once approved its next identical call in the same session passes, once.
 */
const toolAction = z.enum(['allow', 'block', 'allow_when_context_trusted', 'require_approval']);

/** What happens to a tool call: the first rule whose tool glob and conditions all match decides. */
const toolRuleSchema = z.strictObject({
  /** Named in the audit trail and the metrics; defaults to `tool:<index>`. */
  id: z.string().min(1).max(100).optional(),
  /** Tool name, `*` matching any run of characters: `send_*`, `*`. */
  tool: z.string().min(1),
  /** Conditions on the call's arguments; all must hold. */
  when: z.array(conditionSchema).default([]),
  action: toolAction,
  reason: z.string().max(500).optional(),
});

/** What a call can do, from least to most consequential. */
export const CONSEQUENCES = ['read', 'write_own', 'send', 'transact', 'delete', 'credential'] as const;
export type Consequence = (typeof CONSEQUENCES)[number];

/** Argument paths (`to`, `$.payee.iban`, `recipients[*].email`): a path covers every value under it. */
const argumentPaths = z.array(z.string().min(1).max(200)).max(100).default([]);

/**
 * What a tool does and what its arguments are, declared once (the first declaration whose glob
 * matches applies). Arguments not named keep the default reading: a value shaped like an address,
 * a URL, a path or an account number is a target.
 */
const toolDeclarationSchema = z.strictObject({
  tool: z.string().min(1),
  /**
   * `read` changes nothing; `write_own` changes only the user's own objects and reaches no one
   * else (a note, a calendar entry without guests); `send` reaches other people; `transact` moves
   * money or books; `delete` destroys; `credential` changes access (passwords, keys, sharing).
   */
  consequence: z.enum(CONSEQUENCES),
  /** Who or what the action reaches (recipients, channels, payees, URLs, account numbers), whatever their shape. */
  targets: argumentPaths,
  /** Free text that may come from anything the agent read; addresses and links inside it are still traced. */
  content: argumentPaths,
  /** Identifiers of the user's own objects: never read as targets. */
  ids: argumentPaths,
  /** Passwords, keys, tokens: must come from the user or a trusted source, and are never recorded. */
  secrets: argumentPaths,
});

/**
 * Per consequence class: the action for a declared tool no rule names, and what a tainted
 * context does to a call whose targets cannot all be traced to trusted content.
 */
const consequencePolicySchema = z.strictObject({
  /** @default `defaultToolAction` */
  action: z.enum(['allow', 'block', 'allow_when_context_trusted', 'require_approval']).optional(),
  /** `require_approval` asks a person instead of refusing. @default 'block' */
  whenUntraced: z.enum(['block', 'require_approval']).default('block'),
});

/** A multiple-choice question about a quarantined tool result: the answer is an option's index. */
const questionSchema = z.strictObject({
  question: z.string().min(1).max(500),
  options: z.array(z.string().min(1).max(200)).min(2).max(10),
});

/**
 * The dual-LLM quarantine, for the results a trusted-data rule marks `sanitize`: the raw result is
 * never shown to the main model. A quarantined call of the model reads it and may only answer
 * multiple-choice questions with an option's index; the main model (which never sees the result)
 * writes the questions and, from the answers, the text that replaces the result. Both calls go
 * through this proxy (their own audit rows), with the client's credentials.
 */
const dualLlmSchema = z.strictObject({
  /** The model both calls use. @default the request's own model */
  model: z.string().min(1).optional(),
  /** At most this many questions when the main model writes them. @default 5 */
  maxRounds: z.number().int().min(1).max(20).default(5),
  /**
   * Sanitized results are remembered (by tool, result, user request and model), so an agent
   * loop that sends its history again does not pay again. @default 256
   */
  cacheSize: z.number().int().min(0).max(100_000).default(256),
});

/** How far a tool's result is trusted: the first matching rule decides; `untrusted` otherwise. */
const trustRuleSchema = z.strictObject({
  id: z.string().min(1).max(100).optional(),
  tool: z.string().min(1),
  /** Conditions on the result (parsed as JSON when it is JSON, else the text at path `$`). */
  when: z.array(conditionSchema).default([]),
  /**
   * `blocked` removes the result before the model sees it; `sanitize` hands it to a quarantined
   * model (see `dualLlm`) and the main model sees only what that model answered about it.
   */
  action: z.enum(['trusted', 'untrusted', 'blocked', 'sanitize']),
  /**
   * With `trusted`: only the values at these paths of a JSON result are trusted (`$[*].participants`,
   * `$.payees[*].iban`); the rest of the result (free text, subjects, bodies, senders) stays
   * untrusted and taints the context. A target taken from one of these fields has trusted provenance.
   */
  fields: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  /**
   * For `sanitize`: fixed multiple-choice questions the quarantined model answers about the
   * result. Without them, the main model asks its own (up to `dualLlm.maxRounds`).
   */
  questions: z.array(questionSchema).min(1).max(20).optional(),
})
  .refine((rule) => rule.questions === undefined || rule.action === 'sanitize', { message: 'questions apply only to the action "sanitize"', path: ['questions'] })
  .refine((rule) => rule.fields === undefined || rule.action === 'trusted', { message: 'fields apply only to the action "trusted"', path: ['fields'] });

/**
 * The "lethal trifecta": private data, untrusted content and a way out in one context. Empty lists
 * (the default) turn the check off.
 */
const trifectaSchema = z.strictObject({
  /** Tools whose results are private data (globs): `read_customers`, `query_db`. */
  privateDataTools: z.array(z.string().min(1)).default([]),
  /** Tools that communicate outward (globs): `send_*`, `http_post`. */
  externalTools: z.array(z.string().min(1)).default([]),
});

export const policySchema = z.strictObject({
  /**
   * What a tool call with no matching rule gets. `allow_when_context_trusted` blocks it once
   * untrusted content is in the context; `block` is default-deny. @default 'allow_when_context_trusted'
   */
  defaultToolAction: toolAction.default('allow_when_context_trusted'),
  tools: z.array(toolRuleSchema).default([]),
  /** What each tool does and what its arguments are (see `toolDeclarationSchema`). */
  toolDeclarations: z.array(toolDeclarationSchema).default([]),
  /**
   * Per consequence class of declared tools. In a tainted context a `read` passes; a `write_own`
   * passes when its targets (if any) are traced to trusted content; the others pass when every
   * target is, and `send`/`transact` also when their content carries no card, IBAN or secret the
   * user did not write, and was not dictated word for word by untrusted content.
   */
  consequences: z.partialRecord(z.enum(CONSEQUENCES), consequencePolicySchema).default({}),
  trustedData: z.array(trustRuleSchema).default([]),
  /**
   * `enforce` blocks; `shadow` decides and records everything but changes nothing (roll a policy
   * out before enforcing it); `off` skips the policies. @default 'enforce'
   */
  mode: z.enum(['enforce', 'shadow', 'off']).default('enforce'),
  /**
   * While a streamed tool call waits for its decision, the client gets a keep-alive (an SSE
   * comment) this often, so agent clients do not take the pause for a stall. @default 10000 @unit ms
   */
  holdKeepAliveMs: z.number().int().positive().default(10_000),
  /**
   * Data-leak guards on requests and JSON answers: secrets (`redact` by default) and personal data
   * (`off` by default), `redact` or `block`, per detector if need be.
   */
  dataLeak: dataLeakSchema.prefault({}),
  /**
   * Exfiltration links (zero-click data theft through a rendered image): in the answer to a tainted
   * request, markdown images and links, autolinks and HTML tags leading to a host not in
   * `allowedDomains` become `[image removed: <host>]` / `[link removed: <host>]`, in JSON answers
   * and streams. Answers to untainted requests are not scanned. @default { action: 'neutralize', allowedDomains: [] }
   */
  exfilLinks: exfilLinksSchema.prefault({}),
  /**
   * Trifecta breaker: a call to an `externalTools` tool is blocked (rule `trifecta`) when the
   * context holds both a result of a `privateDataTools` tool and untrusted content (an untrusted
   * tool result, which may be that same private result, or the session's taint). It is the last
   * line of defence: it overrides `allow` rules too. Any two of the three alone: the rules decide.
   */
  trifecta: trifectaSchema.prefault({}),
  /**
   * Quarantine: a tainted request goes upstream without its tools (where the adapter can remove
   * them: OpenAI Chat Completions), and any tool call in its answer is blocked (rule `quarantine`).
   * @default false
   */
  quarantine: z.boolean().default(false),
  /**
   * A tool-call item of a type the proxy does not know (a new API feature), in the answer to a
   * request that declares tools: `block` refuses it (rule `unknown_shape`), `judge` judges it by
   * its type like a named tool call. @default 'block'
   */
  unknownToolCalls: z.enum(['block', 'judge']).default('block'),
  /** The dual-LLM quarantine for results marked `sanitize` by a trusted-data rule. */
  dualLlm: dualLlmSchema.prefault({}),
  /** Calls held by `require_approval`: how long they wait, and how many may wait at once. */
  approvals: z
    .strictObject({
      /**
       * A pending approval nobody decided lapses after this long; a decision lasts as long again
       * (an approved call unused by then needs a new approval). @default 3600000 @unit ms
       */
      expiresAfterMs: z.number().int().positive().default(3_600_000),
      /** Most pending approvals per proxy profile; a new one beyond it expires the oldest. @default 1000 */
      maxPending: z.number().int().positive().default(1_000),
    })
    .prefault({}),
  /**
   * Tool scope: at a session's first request that declares tools, a model call (through this
   * proxy, with the client's credentials) picks from the user's own words and the tool list the
   * tools the request needs; for the rest of the session a call to any other tool is refused
   * (rule `tool_scope`). Needs the `X-Archestra-Session-Id` header. @default { enabled: false }
   */
  toolScope: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** The model that picks the tools. @default the request's own model */
      model: z.string().min(1).optional(),
      /** Sessions whose scope this process remembers (the oldest forgotten first, then pinned again). @default 10000 */
      maxSessions: z.number().int().min(1).max(1_000_000).default(10_000),
    })
    .prefault({}),
});

export type PolicyConfig = z.output<typeof policySchema>;
export type PolicyConfigInput = z.input<typeof policySchema>;
export type Condition = z.output<typeof conditionSchema>;
export type ToolRule = z.output<typeof toolRuleSchema>;
export type TrustRule = z.output<typeof trustRuleSchema>;
export type DualLlmConfig = z.output<typeof dualLlmSchema>;
export type Question = z.output<typeof questionSchema>;
export type TrifectaConfig = z.output<typeof trifectaSchema>;
export type ToolAction = z.output<typeof toolAction>;
export type ToolDeclaration = z.output<typeof toolDeclarationSchema>;
export type ToolDeclarationInput = z.input<typeof toolDeclarationSchema>;
