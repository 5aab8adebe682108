import type { PolicyConfig } from './schema.js';

const known = new WeakMap<PolicyConfig, boolean>();

/**
 * Whether a policy can ever hold a call for approval: a tool rule, the default action, or a
 * consequence class says `require_approval`. Only then does a request look up its approvals.
 */
export function mayAskApproval(policy: PolicyConfig): boolean {
  let answer = known.get(policy);
  if (answer === undefined) {
    answer =
      policy.defaultToolAction === 'require_approval' ||
      policy.tools.some((rule) => rule.action === 'require_approval') ||
      Object.values(policy.consequences).some((entry) => entry?.action === 'require_approval' || entry?.whenUntraced === 'require_approval');
    known.set(policy, answer);
  }
  return answer;
}
