import { randomUUID } from 'node:crypto';
import { budgetMessage } from '../policy/budget-message.js';
import { type AppliedBudget, type BudgetRule, applicableBudgets, budgetWindow, roomAt } from '../policy/budgets.js';
import type { PriceBook } from '../pricing/price-book.js';
import type { ProviderAdapter, Usage } from '../providers/types.js';
import { createMemoryBudgetCounters } from '../store/memory-budget-counters.js';
import type { BudgetCounter, BudgetCounters, BudgetSpend, Store } from '../types.js';
import { finishWith } from './finish.js';
import { createCounterLeases, HOLD_LEASE_MS } from './counter-leases.js';
import type { Recorder } from './record.js';

const STORE_FAILED = 'The budget counters could not be read, so the request was refused; retry shortly.';
/** A budget refusal is final until its window frees room: SDKs must not retry it. */
const NOT_RETRYABLE = { 'x-should-retry': 'false' } as const;

/** Prices a usage (the price table, `pricing`): null for a model without a known price. */
export type BudgetPrices = Pick<PriceBook, 'loaded' | 'ready' | 'cost'>;

/** What a request may cost at most: its prompt (estimated) and the answer tokens it asks for at most. */
export interface WorstCase {
  inputTokens: number;
  /** `max_tokens` and kin; null when the request sets none (each budget's `maxTokensWhenUnset`). */
  maxTokens: number | null;
}

export interface Budgeter {
  /**
   * Reserves the request's worst case on every budget that applies to it, all or none; settled
   * to its real spend when it ends. Resolves with the refusal to send (402, or 503 when the
   * counters failed), or null to go on.
   */
  reserve(recorder: Recorder, adapter: ProviderAdapter, rules: readonly BudgetRule[], worst: WorstCase): Promise<Response | null>;
  close(): void;
}

/**
 * The prompt's tokens, estimated from its UTF-8 bytes before any tokenizer: one token per 3 bytes
 * is above the real count for English text and JSON (about 4) and near it for CJK text (3 bytes a
 * character). The reservation is settled to the reported count once the answer ends.
 */
export function estimateInputTokens(bodyBytes: number): number {
  return Math.ceil(bodyBytes / 3);
}

/** The whole prompt: Anthropic reports its cache reads and writes apart from `input_tokens`. */
function promptTokens(usage: Usage): number {
  const cache = usage.inputIncludesCache === false ? (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0) : 0;
  return (usage.inputTokens ?? 0) + cache;
}

/**
 * The budget stage: after the rate limits (a request refused there reserves nothing), before any
 * policy work or forwarding. Counters live in the store (`budgetCounters`), else in this process.
 * `now` is the clock of the windows; `prices` prices dollar budgets (none: their price is unknown).
 */
export function createBudgeter(store: Store, now: () => number = Date.now, prices: BudgetPrices | null = null): Budgeter {
  const counters: BudgetCounters = store.budgetCounters ?? createMemoryBudgetCounters();
  const leases = createCounterLeases('budget', (owner, until, at) => counters.renew(owner, until, at), now);
  const { owner } = leases;
  const logStoreError = leases.logError;

  const price = (recorder: Recorder, usage: Usage): number | null => (prices && recorder.provider && recorder.model ? prices.cost(recorder.provider, recorder.model, usage) : null);

  /** What the request really spent on `budget`, once it has ended; its reservation when that is not known. */
  function spentOn(recorder: Recorder, budget: AppliedBudget, reserved: number): number {
    const { usage } = recorder;
    if (usage.inputTokens === null && usage.outputTokens === null) {
      // No usage reported: an answer that came (the upstream charged for it) keeps its worst case;
      // a refused, failed or aborted one spent nothing the proxy knows of.
      return recorder.outcome === 'ok' ? reserved : 0;
    }
    if (budget.unit === 'tokens') return promptTokens(usage) + (usage.outputTokens ?? 0);
    // Priced as the row is (the model asked for, else the one that answered); unknown: the worst case stays spent.
    return recorder.priceUsage() ?? reserved;
  }

  /** When the request ends: the real spend kept, the rest of the reservation given back. Never fails the request. */
  function atFinish(recorder: Recorder, id: string, budgets: readonly AppliedBudget[], amounts: readonly number[], holding: boolean): void {
    const previous = recorder.onFinish;
    recorder.onFinish = () => {
      previous?.();
      if (holding) leases.given();
      const at = now();
      const spent: BudgetSpend[] = budgets.map((budget, index) => ({ key: budget.key, slot: budgetWindow(budget.rule.window, at).slot, amount: spentOn(recorder, budget, amounts[index]!) }));
      Promise.resolve()
        .then(() => counters.settle(id, spent))
        .catch((error: unknown) => logStoreError('settle', error));
    };
  }

  return {
    async reserve(recorder, adapter, rules, worst) {
      if (rules.length === 0) return null;
      const at = now();
      let applied = applicableBudgets(rules, { profileId: recorder.proxyId, virtualKeyId: recorder.virtualKeyId, context: recorder.context, model: recorder.model }, at);
      if (applied.length === 0) return null;
      const id = randomUUID();
      // The proxy's own model calls (the dual-LLM quarantine) run inside a client's admitted
      // request: never refused (which would fail their parent), but what they spend counts.
      const ownCall = recorder.decisions.some((decision) => decision.kind === 'dual_llm_call');
      const tokens = (budget: AppliedBudget) => worst.inputTokens + (worst.maxTokens ?? budget.rule.maxTokensWhenUnset);
      let usd: number | null = null;
      if (applied.some((budget) => budget.unit === 'usd')) {
        if (prices && !prices.loaded) await prices.ready();
        usd = price(recorder, { inputTokens: worst.inputTokens, outputTokens: worst.maxTokens ?? Math.max(...applied.map((budget) => budget.rule.maxTokensWhenUnset)) });
        if (usd === null) {
          const refusing = applied.find((budget) => budget.unit === 'usd' && budget.rule.onUnknownPrice === 'refuse');
          if (refusing && !ownCall) {
            const message = `Budget "${refusing.rule.id}" is in US dollars, and the price of model "${recorder.model ?? 'unknown'}" is not known, so the request was refused; give the model a price (pricing.models) or ask for a priced model.`;
            recorder.decisions.push({ kind: 'budget', budgetId: refusing.rule.id, unit: 'usd', scope: refusing.rule.scope, outcome: 'unknown_price', requested: null, roomAt: null });
            return finishWith(recorder, adapter.errorResponse(402, message, 'billing_error', NOT_RETRYABLE), 'over_budget', message);
          }
          // `onUnknownPrice: allow`: the dollar side is not counted, the tokens are.
          applied = applied.filter((budget) => budget.unit !== 'usd');
          if (applied.length === 0) return null;
        }
      }
      const amounts = applied.map((budget) => (budget.unit === 'usd' ? usd! : tokens(budget)));
      if (ownCall) {
        atFinish(recorder, id, applied, amounts, false);
        return null;
      }
      const reservation: BudgetCounter[] = applied.map((budget, index) => ({ key: budget.key, limit: budget.limit, from: budget.window.from, slot: budget.window.slot, amount: amounts[index]! }));
      let verdict;
      try {
        verdict = await counters.reserve({ now: at, counters: reservation, id, owner, until: at + HOLD_LEASE_MS });
      } catch (error) {
        logStoreError('reserve', error);
        const refusing = applied.find((budget) => budget.rule.onStoreError === 'refuse');
        if (!refusing) return null;
        recorder.decisions.push({ kind: 'budget', budgetId: refusing.rule.id, unit: refusing.unit, scope: refusing.rule.scope, outcome: 'store_error', requested: null, roomAt: null });
        return finishWith(recorder, adapter.errorResponse(503, STORE_FAILED, 'overloaded_error', { 'retry-after': '1' }), 'rejected', STORE_FAILED);
      }
      if (!verdict.reserved) {
        const budget = applied[verdict.index]!;
        const amount = amounts[verdict.index]!;
        const slots = budget.window.rollingMs === null ? [] : await Promise.resolve(counters.spentSince(budget.key, budget.window.from)).catch(() => []);
        const room = amount > budget.limit ? null : roomAt(budget, slots, verdict.held, amount);
        const message = budgetMessage(budget, verdict.spent + verdict.held, amount, room);
        const roomIso = room === null ? null : new Date(room).toISOString();
        recorder.decisions.push({ kind: 'budget', budgetId: budget.rule.id, unit: budget.unit, scope: budget.rule.scope, outcome: 'exceeded', requested: amount, roomAt: roomIso });
        const headers = roomIso === null ? NOT_RETRYABLE : { ...NOT_RETRYABLE, 'x-archestra-budget-reset': roomIso };
        return finishWith(recorder, adapter.errorResponse(402, message, 'billing_error', headers), 'over_budget', message);
      }
      leases.taken();
      atFinish(recorder, id, applied, amounts, true);
      return null;
    },
    close() {
      leases.close();
    },
  };
}
