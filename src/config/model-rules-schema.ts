import { z } from 'zod';

const PROVIDERS = ['openai', 'anthropic', 'gemini', 'vllm', 'ollama'] as const;

/**
 * A model name the proxy may send upstream in a client's place: a plain name (`gpt-4o-mini`,
 * `claude-haiku-4-5`, `llama3.2:3b`, `hf.co/org/repo:tag`), never a URL.
 */
const modelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,255}$/, 'expected a model name such as "gpt-4o-mini" (letters, digits and "._:/@+-")')
  .refine((name) => !name.includes('//'), 'expected a model name, not a URL');

const glob = z.string().min(1).max(200);

/**
 * One model rule: when every condition in `when` holds, the request goes upstream for the model
 * `use` instead of the one the client asked for. Conditions left out always hold.
 */
export const modelRuleSchema = z.strictObject({
  /** Names the rule in the audit row's decisions and in `llm_model_rewrites_total`. @default `model-rule-<position>` */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:*-]{0,99}$/, 'expected 1-100 letters, digits or "_.:*-"').optional(),
  when: z
    .strictObject({
      /** Only requests to this provider (or one of these). @default every provider */
      provider: z.union([z.enum(PROVIDERS), z.array(z.enum(PROVIDERS)).min(1)]).optional(),
      /** Only requests for a model matching this glob (`*` any run of characters), or one of these. @default every model */
      model: z.union([glob, z.array(glob).min(1)]).optional(),
      /**
       * Only requests whose prompt is at most this many tokens, estimated as one token per 4
       * characters of the decoded messages, tool results and tool definitions (no tokenizer).
       */
      maxPromptTokens: z.number().int().positive().optional(),
      /** Only requests that declare no tools (neither functions nor provider-hosted tools). @default false */
      noTools: z.boolean().default(false),
    })
    .prefault({}),
  /** The model sent upstream instead; budgets, prices and metrics count it. */
  use: modelName,
});

/**
 * Model rules ("optimization rules"): the first rule whose conditions hold picks the model the
 * request is sent for; none holding, the client's model is kept. Only requests that produce an
 * answer are rewritten (chat, responses, completions, generate content), never embeddings, token
 * counts or model lists.
 */
export const modelRulesSchema = z
  .array(modelRuleSchema)
  .max(100)
  .transform((rules) => rules.map((rule, index) => ({ ...rule, id: rule.id ?? `model-rule-${index + 1}` })))
  .superRefine((rules, context) => {
    const seen = new Set<string>();
    for (const [index, rule] of rules.entries()) {
      if (seen.has(rule.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: `another model rule has the id "${rule.id}": give each its own id` });
      seen.add(rule.id);
    }
  });

export type ModelRule = z.output<typeof modelRulesSchema>[number];

/**
 * Tool-result compression: `toolResults: 'toon'` sends a tool result whose text is a JSON object
 * or array upstream in TOON (Token-Oriented Object Notation) when that is shorter; any other
 * result, and one whose TOON form is not shorter, goes as it came. The policies judge the
 * original result either way.
 */
export const compressionSchema = z.strictObject({
  /** @default 'off' */
  toolResults: z.enum(['off', 'toon']).default('off'),
});

export type CompressionConfig = z.output<typeof compressionSchema>;
