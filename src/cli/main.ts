/**
 * @module
 * The `archestra-proxy` command.
 *
 * @example
 * npx archestra-proxy serve --config proxy.json --port 9000
 */
import { closestName } from '../config/closest-name.js';
import { isArchestraError } from '../errors.js';
import { PROVIDER_NAMES } from '../types.js';
import { KNOWN_COMPATIBLE_APIS } from '../providers/known-compatible.js';
import { VERSION } from '../version.js';
import { approvalsCommand } from './approvals.js';
import { interactionsCommand } from './interactions.js';
import { keysCommand } from './keys.js';
import { serveCommand } from './serve.js';
import { usageCommand } from './usage.js';
import { EXIT, EXIT_CODES_HELP, isUsageError } from './usage-error.js';

/** Each command, what it does in a few words, and what runs it. */
const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  serve: { summary: 'run the proxy server (the audit log in a SQLite file or PostgreSQL)', run: serveCommand },
  interactions: { summary: 'list, filter and follow the audit trail (--follow, --json)', run: interactionsCommand },
  usage: { summary: 'spend, requests, refusals and tokens per agent, key, model or day', run: usageCommand },
  keys: { summary: 'create, list and revoke virtual keys', run: keysCommand },
  approvals: { summary: 'list, approve and deny tool calls held for a person', run: approvalsCommand },
};

const HELP = `Usage: archestra-proxy <command> [flags]      archestra-proxy <command> --help shows a command's flags

Commands:
${Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(14)}${summary}`).join('\n')}

Every command reads the config the server uses: --config proxy.json (or .ts/.mjs), --db archestra.db (or a
postgres:// URL), and the environment: ARCHESTRA_PORT, ARCHESTRA_HOST, ARCHESTRA_DB, ARCHESTRA_MASTER_KEY, ARCHESTRA_METRICS_TOKEN, ARCHESTRA_ADMIN_TOKEN,
             ARCHESTRA_<PROVIDER>_BASE_URL, ARCHESTRA_<PROVIDER>_API_KEY
             (PROVIDER: ${[...PROVIDER_NAMES, ...KNOWN_COMPATIBLE_APIS.keys()].map((name) => name.toUpperCase()).join(', ')})
Flags win over the environment, the environment over the config file.

${EXIT_CODES_HELP}
archestra-proxy --version prints the version.`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return print(HELP);
  if (first === '--version' || first === '-v') return print(VERSION);
  if (first === 'help') return rest[0] === undefined ? print(HELP) : main([rest[0], '--help']);
  const command = COMMANDS[first];
  if (command) return command.run(rest);
  const guess = closestName(first.replace(/^-+/, ''), Object.keys(COMMANDS));
  const what = first.startsWith('-') ? `Unknown flag ${first} before a command` : `Unknown command "${first}"`;
  console.error(`${what}${guess ? `; did you mean "${guess}"?` : ''}\n\n${HELP}`);
  return EXIT.usage;
}

function print(text: string): number {
  console.log(text);
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    // The user's mistakes are theirs to fix: the message, not a stack trace.
    if (isUsageError(error)) {
      console.error(error.message);
      process.exitCode = EXIT.usage;
      return;
    }
    console.error(isArchestraError(error) ? error.message : `archestra-proxy: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT.failure;
  },
);
