import type { ProviderName } from '../types.js';

/** One place a routed request can go: a provider and the model it knows. */
export interface Deployment {
  provider: ProviderName;
  model: string;
}

export type ResolvedModel =
  | { success: true; deployments: Deployment[]; alias: string | null }
  | { success: false; message: string };

/** Aliases as configured: one deployment, or an ordered list (the first that answers serves). */
export type ModelAliases = Readonly<Record<string, string | readonly string[]>>;

/**
 * The deployments a router request's `model` names: an alias from `models` (a profile's own
 * first, then the top level's), else `<provider>:<model>` itself. The model may hold colons of
 * its own (`ollama:llama3.2:3b`): only the first one separates the provider.
 */
export function resolveModel(model: string, aliases: ModelAliases, routable: readonly ProviderName[]): ResolvedModel {
  const alias = Object.hasOwn(aliases, model) ? aliases[model] : undefined;
  const names = alias === undefined ? [model] : typeof alias === 'string' ? [alias] : [...alias];
  const deployments: Deployment[] = [];
  for (const name of names) {
    const parsed = parseDeployment(name, routable);
    if (typeof parsed === 'string') return { success: false, message: alias === undefined ? parsed : `The model alias "${model}" is misconfigured: ${parsed}` };
    deployments.push(parsed);
  }
  return { success: true, deployments, alias: alias === undefined ? null : model };
}

/** `<provider>:<model>` as a deployment, or why it is not one. */
export function parseDeployment(name: string, routable: readonly ProviderName[]): Deployment | string {
  const colon = name.indexOf(':');
  const provider = colon > 0 ? name.slice(0, colon) : '';
  const model = colon > 0 ? name.slice(colon + 1) : '';
  if (!provider || !model) {
    return `The model "${name.slice(0, 200)}" is neither "<provider>:<model>" (provider one of ${routable.join(', ')}) nor a model alias configured in \`models\`.`;
  }
  if (!routable.includes(provider as ProviderName)) {
    return `The router cannot reach the provider "${provider.slice(0, 64)}"; it routes to ${routable.join(', ')}.`;
  }
  return { provider: provider as ProviderName, model };
}
