/**
 * `lading`: the registry core on the command line. Builds the commander program from `commands/*.ts`
 * (each exports `register(program)`), runs it, and turns every failure into one line on stderr
 * (`lading: <message>`, then `hint: <hint>` when there is one) and an exit code scripts can switch on.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../../../package.json' with { type: 'json' };
import { isLadingError, toErrorInfo } from '../../core/registry/errors';
import * as attachCommand from './commands/attach';
import * as catalogCommand from './commands/catalog';
import * as copyCommand from './commands/copy';
import * as deleteCommand from './commands/delete';
import * as filesCommand from './commands/files';
import * as ghCommand from './commands/gh';
import * as imagesCommand from './commands/images';
import * as inspectCommand from './commands/inspect';
import * as loginCommand from './commands/login';
import * as pruneCommand from './commands/prune';
import * as pullCommand from './commands/pull';
import * as pushCommand from './commands/push';
import * as referrersCommand from './commands/referrers';
import * as sbomCommand from './commands/sbom';
import * as serveCommand from './commands/serve';
import * as tagCommand from './commands/tag';
import * as tagsCommand from './commands/tags';
import * as verifyCommand from './commands/verify';
import { type CliIo, resetRunState, setCliContext } from './context';
import { EXIT_CANCELLED, EXIT_GENERIC, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes';

interface CommandModule {
  register(program: Command): void;
}

/**
 * Every command group, in help order (a static list, so the bundle has no dynamic imports). push, pull,
 * gh and serve belong to the transfer, GitHub and bridge owners.
 *
 * Writing a command module: `export function register(program: Command)` adding one or more
 * `program.command(...)`; in the action use `cliContext()` (io, env and the Ctrl-C `signal`),
 * `registryClient(cmd, registry)` for a client with the user's logins and insecure settings, `print` /
 * `printJson` for stdout, `note` for progress on stderr, and throw a LadingError for every failure (main
 * prints it and picks the exit code). A long-running command (serve) should resolve when `signal` aborts.
 */
const COMMANDS: CommandModule[] = [
  catalogCommand,
  tagsCommand,
  inspectCommand,
  filesCommand,
  referrersCommand,
  verifyCommand,
  sbomCommand,
  attachCommand,
  tagCommand,
  copyCommand,
  deleteCommand,
  pruneCommand,
  loginCommand,
  pushCommand,
  pullCommand,
  imagesCommand,
  serveCommand,
  ghCommand,
];

/** Applies the run's output and error handling to a command and every subcommand under it. */
function configureTree(cmd: Command, io: CliIo): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => io.stdout(s),
    writeErr: (s) => io.stderr(s),
    // Usage errors are printed by reportError, in the same one-line shape as every other error.
    outputError: () => {},
  });
  for (const sub of cmd.commands) configureTree(sub, io);
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('lading')
    .description('Browse and manage container registries (ghcr.io, GitHub Packages, any OCI registry).')
    .version(packageJson.version, '-V, --version')
    .addOption(
      new Option(
        '--insecure',
        'use plain HTTP and skip TLS checks (also: LADING_INSECURE_REGISTRIES=host,...)',
      ),
    )
    .addOption(new Option('-u, --username <user>', 'log in as this user instead of your docker/podman login'))
    .addOption(new Option('--password-stdin', 'read the password or token for --username from stdin'))
    .addOption(
      new Option(
        '--allow-cross-host-realm',
        "send credentials to the registry's token service even when it is on another site",
      ),
    )
    .addOption(new Option('--debug', 'print stack traces of unexpected errors'))
    .showHelpAfterError(false)
    .configureHelp({ sortSubcommands: false });
  for (const mod of COMMANDS) mod.register(program);
  configureTree(program, io);
  return program;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Prints a failure to stderr and returns the exit code for it. */
export function reportError(e: unknown, io: CliIo, opts: { debug: boolean; cancelled: boolean }): number {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version')
      return EXIT_OK;
    // Commander prefixes its messages with "error: "; ours say "lading: " instead.
    io.stderr(`lading: ${oneLine(e.message.replace(/^error:\s*/i, ''))}\n`);
    io.stderr('hint: Run "lading --help" (or "lading COMMAND --help") for usage.\n');
    return EXIT_USAGE;
  }
  if (opts.cancelled && !isLadingError(e)) {
    io.stderr('lading: cancelled.\n');
    return EXIT_CANCELLED;
  }
  const info = toErrorInfo(e);
  if (isLadingError(e) || info.code === 'cancelled') {
    io.stderr(`lading: ${oneLine(info.message)}\n`);
    if (info.hint) io.stderr(`hint: ${oneLine(info.hint)}\n`);
    return exitCodeFor(info.code);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (opts.debug && e instanceof Error && e.stack) {
    io.stderr(`lading: unexpected error: ${oneLine(message)}\n${e.stack}\n`);
  } else {
    io.stderr(`lading: unexpected error: ${oneLine(message)} (run again with --debug for details)\n`);
  }
  return EXIT_GENERIC;
}

/** Runs the CLI with the given arguments (without `node script`) and returns the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo,
  signal: AbortSignal = new AbortController().signal,
): Promise<number> {
  setCliContext({ io, signal });
  resetRunState();
  try {
    const program = buildProgram(io);
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    return reportError(e, io, { debug: argv.includes('--debug'), cancelled: signal.aborted });
  } finally {
    setCliContext(undefined);
  }
}

/** The process entry: real stdio, Ctrl-C cancels (a second Ctrl-C quits at once). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_CANCELLED);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stdoutBytes: (b) =>
      new Promise<void>((resolve, reject) => process.stdout.write(b, (e) => (e ? reject(e) : resolve()))),
    stderr: (s) => process.stderr.write(s),
    stdin: process.stdin,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
  };
  const code = await runCli(argv, io, controller.signal);
  process.off('SIGINT', onSigint);
  // Exit explicitly once output is flushed: idle keep-alive sockets must not hold the process open.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

function isEntryModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Not a top-level await: the bundle is CommonJS (see scripts/cli-bundle.mjs), and main exits the process itself.
if (isEntryModule()) void main();
