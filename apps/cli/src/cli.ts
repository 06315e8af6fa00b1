import { Command, CommanderError } from 'commander';
import { CliError, commandLine } from './cli-errors.ts';
import { keyId, keyName, scopeList, SCOPE_HELP, wholeNumber } from './cli-options.ts';

/** Where the CLI writes; tests pass their own. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

// The default threshold of reconcile's unapplied section (UNAPPLIED_AFTER_SECONDS in
// @points-engine/runtime, which the command's help must not load just to print it).
const UNAPPLIED_AFTER_SECONDS = 300;

/**
 * The command tree. Each action imports its command module when it runs, so `--help`, a usage
 * error or `keys list` never load what other commands need (the ledger, BullMQ).
 */
function buildProgram(io: CliOutput, setExitCode: (code: number) => void): Command {
  const print = (text: string) => io.out(text);
  const program = new Command('points-engine')
    .description('Operate a points-engine: API keys, migrations, the ledger check.')
    .configureOutput({ writeOut: print, writeErr: (text) => io.err(text) })
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `\nRun it as ${commandLine('<command>')} (${commandLine('keys list')}, ${commandLine('migrate')}, ${commandLine('reconcile')}).\n` +
        'It reads .env from the working directory like the engine (variables already set win); docs/operations.md.',
    );

  program
    .command('migrate')
    .description('create the database if missing and apply pending migrations')
    .action(async () => print(await (await import('./migrate.command.ts')).runMigrate()));

  program
    .command('reconcile')
    .description('check every ledger invariant and list accepted events the ledger lacks (reads only; exit 2 if it finds any)')
    .option('--batch <n>', 'accounts and transactions checked per query', wholeNumber(1, 1_000_000), 10_000)
    .option('--unapplied-after <seconds>', 'report accepted events not applied after this long', wholeNumber(0, 315_360_000, 'seconds'), UNAPPLIED_AFTER_SECONDS)
    .action(async (options: { batch: number; unappliedAfter: number }) => {
      const { output, exitCode } = await (await import('./reconcile.command.ts')).runReconcile(options);
      print(output);
      setExitCode(exitCode);
    });

  const keys = program.command('keys').description('API keys (stored hashed; a key is shown once, when made)');
  keys
    .command('create')
    .description('make a key; its secret is printed once, on the last line')
    .requiredOption('--name <name>', 'what the key is for (shown by keys list)', keyName)
    .requiredOption('--scopes <list>', `comma list of: ${SCOPE_HELP}; docs/security.md`, scopeList)
    .option('--expires-in-days <n>', 'the key stops working after this many days', wholeNumber(1, 99_999, 'days'))
    .action(async (options: { name: string; scopes: string[]; expiresInDays?: number }) => print(await (await import('./keys.command.ts')).createKey(options)));
  keys
    .command('list')
    .description('every key: state, created, last used, expires, revoked (reads only)')
    .option('--json', 'as JSON, for scripts')
    .action(async (options: { json?: boolean }) => print(await (await import('./keys.command.ts')).listKeys(options)));
  keys
    .command('revoke')
    .description('stop a key at once in every API process')
    .argument('<id>', 'the key id (keys list)', keyId)
    .action(async (id: string) => print(await (await import('./keys.command.ts')).revokeKey(id)));
  keys
    .command('rotate')
    .description('give a key a new secret (same id, name and scopes); the old secret stops working at once')
    .argument('<id>', 'the key id (keys list)', keyId)
    .option('--expires-in-days <n>', 'also set a new expiry, this many days from now', wholeNumber(1, 99_999, 'days'))
    .action(async (id: string, options: { expiresInDays?: number }) => print(await (await import('./keys.command.ts')).rotateKey(id, options)));
  return program;
}

/** Expected failures: a message, no stack. Anything else is a bug and keeps its stack. */
function expectedFailure(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  // By name: importing @points-engine/config and /db here to test `instanceof` would load them
  // for `--help` too.
  if (error instanceof CliError || error.name === 'ConfigError' || error.name === 'ServiceUnavailableError') return error.message;
  return null;
}

/** Runs one CLI command; answers its exit code (0 done, 1 usage or failure, 2 reconcile found problems). */
export async function runCli(argv: readonly string[], io: CliOutput = processOutput): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has printed its message (usage errors) or the help; only the exit code is left.
    if (error instanceof CommanderError) return error.exitCode;
    const message = expectedFailure(error);
    if (message !== null) {
      io.err(error instanceof CliError ? `error: ${message}\n` : `${message}\n`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
