import { createSecretBox } from '../auth/secret-box.js';
import { createVirtualKeys } from '../auth/virtual-key.js';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { parseKeyBudget, showKeyBudget } from '../policy/key-budgets.js';
import { openCliStore } from './cli-store.js';
import { PROVIDER_NAMES, type ProviderName } from '../types.js';
import { createProviderSet } from '../providers/provider-set.js';
import { validateConfig } from '../config/validate-config.js';
import { actionOf, parseCommand } from './parse-command.js';
import { EXIT, EXIT_CODES_HELP, UsageError } from './usage-error.js';

export const KEYS_USAGE = `Usage: archestra-proxy keys create --name NAME [--provider openai ...] [--proxy-id ID ...]
                                  [--secret-env VAR] [--expires 2027-01-01T00:00:00Z] [--budget 50usd/month ...]
       archestra-proxy keys list
       archestra-proxy keys revoke ID
Common: [--config proxy.json] [--db archestra.db]; secrets are sealed with ARCHESTRA_MASTER_KEY.
--secret-env names an environment variable holding the provider key the virtual key stands for
(--provider must then name exactly one provider); keeping it out of the command line keeps it
out of your shell history.
--budget gives the key its own budget, on top of the configured limits.budgets: <amount>usd/<window> or
<count>tokens/<window>, window 1h, 24h, 7d, 30d (rolling) or day, week, month (calendar, UTC); repeatable.
A request that would take the key over it gets 402.
--json prints what create and list return as JSON. ${EXIT_CODES_HELP}`;

export const KEYS_FLAGS = {
  config: { type: 'string', short: 'c' },
  db: { type: 'string' },
  name: { type: 'string' },
  provider: { type: 'string', multiple: true },
  'proxy-id': { type: 'string', multiple: true },
  'secret-env': { type: 'string' },
  expires: { type: 'string' },
  budget: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

const ACTIONS = ['create', 'list', 'revoke'] as const;

/** `archestra-proxy keys ...`: manages virtual keys in the store the server uses. */
export async function keysCommand(argv: string[]): Promise<number> {
  const { positionals, values, help } = parseCommand('keys', argv, KEYS_FLAGS);
  const action = actionOf('keys', positionals[0], ACTIONS);
  if (help) {
    console.log(KEYS_USAGE);
    return EXIT.ok;
  }
  const id = positionals[1];
  if (action === undefined) throw new UsageError(`keys needs one of ${ACTIONS.join(', ')}.\n\n${KEYS_USAGE}`);
  if (action === 'revoke' && id === undefined) throw new UsageError(`keys revoke needs the key's id (archestra-proxy keys list shows them).`);
  if (positionals.length > (action === 'revoke' ? 2 : 1)) throw new UsageError(`keys ${action} takes ${action === 'revoke' ? 'one id' : 'no arguments'}; got "${positionals.at(-1)}".`);
  if (action === 'create' && !values.name) throw new UsageError('keys create needs --name.');
  const budgets = (values.budget ?? []).map((text) => {
    const budget = parseKeyBudget(text);
    if (typeof budget === 'string') throw new UsageError(budget);
    return budget;
  });
  const expiresAt = values.expires ? new Date(values.expires) : undefined;
  if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new UsageError(`--expires must be a date such as 2027-01-01T00:00:00Z; got "${values.expires}".`);
  const loaded = await loadConfig({ ...(values.config ? { configPath: values.config } : {}), flags: { db: values.db } });
  const storePath = typeof loaded.proxy.store === 'string' ? loaded.proxy.store : 'archestra.db';
  // A key made in a store no server reads would be lost: the server's store file it is.
  if (storePath === ':memory:') throw new ConfigError('keys work on the store file the server uses: give it with --db (a server on ":memory:" takes keys made in its own process, proxy.keys.create()).');
  const secretBox = createSecretBox(loaded.proxy.masterKey ?? process.env.ARCHESTRA_MASTER_KEY);
  const store = await openCliStore(storePath);
  const keys = createVirtualKeys(store, secretBox);
  try {
    if (action === 'create') {
      // The built-in providers, and the OpenAI-compatible APIs the configuration serves.
      const known = new Set<string>([...PROVIDER_NAMES, ...createProviderSet(validateConfig(loaded.proxy).providers).keys()]);
      const providers = (values.provider ?? []).map((name) => parseProvider(name, known));
      const secrets: Partial<Record<ProviderName, string>> = {};
      if (values['secret-env']) {
        const secret = process.env[values['secret-env']];
        if (!secret) throw new ConfigError(`The environment variable ${values['secret-env']} is empty or unset.`);
        if (providers.length !== 1 || !providers[0]) throw new UsageError('--secret-env needs exactly one --provider: the provider the secret is for.');
        secrets[providers[0]] = secret;
      }
      const created = await keys.create({
        name: values.name!,
        ...(providers.length > 0 ? { providers } : {}),
        ...(values['proxy-id'] ? { proxyIds: values['proxy-id'] } : {}),
        ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
        ...(expiresAt ? { expiresAt } : {}),
        ...(budgets.length > 0 ? { budgets } : {}),
      });
      if (values.json) console.log(JSON.stringify(created));
      else console.log(`Created virtual key "${created.name}" (id ${created.id})${budgets.length > 0 ? `, budget ${budgets.map(showKeyBudget).join(', ')}` : ''}.\n\n  ${created.key}\n\nThis is the only time the key is shown: only its hash is stored.`);
      return 0;
    }
    if (action === 'list') {
      const list = await keys.list();
      if (values.json) console.log(JSON.stringify(list));
      else for (const key of list) console.log([key.id, key.name, `${key.keyPrefix}…`, key.providers?.join(',') ?? 'any provider', key.proxyIds?.join(',') ?? 'any profile', key.revokedAt ? `revoked ${key.revokedAt}` : key.expiresAt ? `expires ${key.expiresAt}` : 'active', ...(key.budgets ? [`budget ${key.budgets.map(showKeyBudget).join(',')}`] : [])].join('  '));
      return 0;
    }
    if (!(await keys.revoke(id!))) {
      console.error(`No virtual key has the id ${id}.`);
      return EXIT.failure;
    }
    console.log(`Revoked ${id}.`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function parseProvider(name: string, known: ReadonlySet<string>): ProviderName {
  if (known.has(name)) return name;
  throw new UsageError(`--provider must be one of ${[...known].join(', ')}; got "${name}".`);
}
