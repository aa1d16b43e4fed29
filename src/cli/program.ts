// The `orion` command line: commander parses it; each action loads its command when it runs, so
// `orion --help` does not load the database stack.
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SCOPES } from '../services/scopes.js';
import { parseTimestamp } from '../services/validation.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

function positiveInteger(label: string, min = 1) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`${label} must be an integer of at least ${min}.`);
    return Number(value);
  };
}

function scopeList(value: string): string[] {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!scopes.length) throw new InvalidArgumentError('name at least one scope.');
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) {
    throw new InvalidArgumentError(`unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}; scopes are ${SCOPES.join(', ')}.`);
  }
  return [...new Set(scopes)];
}

function futureDate(value: string): Date {
  const date = parseTimestamp(value);
  if (!date) {
    throw new InvalidArgumentError('expected an ISO 8601 date, e.g. 2027-03-01T00:00:00Z.');
  }
  if (date.getTime() <= Date.now()) throw new InvalidArgumentError('it must be in the future.');
  return date;
}

const jsonOption = () => new Option('--json', 'print one JSON document on stdout (the REST API’s shapes)');
const accountOption = () => new Option('--account <accId>', 'the account whose keys these are (acc_…)').makeOptionMandatory();

const DATABASE_HELP = `
The database is the one the server uses: DATABASE_URL (PostgreSQL) if set, otherwise the
embedded one in ORION_DATA_DIR (default ./data). The embedded database belongs to one process
at a time: while a server runs on it, use the server's HTTP API instead.`;

export function buildProgram(): Command {
  const program = new Command('orion')
    .description('OrionOS: run the API server and manage its database, accounts and API keys.')
    .version(version, '-v, --version')
    .addHelpText('after', DATABASE_HELP)
    .showSuggestionAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('start the API server (migrates the database first; SIGTERM/SIGINT stop it gracefully)')
    .option('-p, --port <port>', 'port to listen on (default: PORT, else 3000)', positiveInteger('--port', 0))
    .option('--host <address>', 'interface to listen on (default: HOST, else 0.0.0.0)')
    .action(async (options: { port?: number; host?: string }) => (await import('./commands/serve.js')).serve(options));

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => (await import('./commands/migrate.js')).migrate(options));

  const accounts = program.command('accounts').description('operators: manage accounts');
  accounts
    .command('create')
    .description('create an account and its first API key (every scope but admin; the secret is shown once)')
    .requiredOption('--name <name>', 'the account’s name (1–100 characters)')
    .addOption(new Option('--tier <tier>', 'rate limit and quota tier').choices(['standard', 'pro', 'enterprise']).default('standard'))
    .option('--rate-limit <n>', 'requests per minute, instead of the tier’s', positiveInteger('--rate-limit'))
    .option('--monthly-quota <n>', 'messages per month, instead of the tier’s', positiveInteger('--monthly-quota', 0))
    .addOption(jsonOption())
    .action(async (options) => (await import('./commands/accounts.js')).accountsCreate(options));
  accounts
    .command('list')
    .description('list every account, with its limits and this month’s usage')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => (await import('./commands/accounts.js')).accountsList(options));

  const keys = program.command('keys').description('manage an account’s API keys');
  keys
    .command('create')
    .description('create an API key (the secret is shown once)')
    .addOption(accountOption())
    .requiredOption('--name <name>', 'what the key is for (1–100 characters)')
    .requiredOption('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, scopeList)
    .addOption(new Option('--environment <env>', 'live (orn_live_…) or test (orn_test_…)').choices(['live', 'test']).default('live'))
    .option('--expires-at <iso>', 'when the key stops working (ISO 8601, in the future)', futureDate)
    .addOption(jsonOption())
    .action(async (options) => (await import('./commands/keys.js')).keysCreate(options));
  keys
    .command('list')
    .description('list an account’s API keys (never their secrets)')
    .addOption(accountOption())
    .addOption(jsonOption())
    .action(async (options: { account: string; json?: boolean }) => (await import('./commands/keys.js')).keysList(options));
  keys
    .command('revoke')
    .description('revoke an API key at once')
    .argument('<keyId>', 'the key to revoke (key_…)')
    .addOption(accountOption())
    .addOption(jsonOption())
    .action(async (keyId: string, options: { account: string; json?: boolean }) =>
      (await import('./commands/keys.js')).keysRevoke(keyId, options),
    );

  return program;
}
