/** `lading login` / `lading logout`: save or remove a registry login where `docker login` would. */
import type { Command } from 'commander';
import { listMachineCredentials, login, logout } from '../../../core/credentials/index';
import { RegistryClient } from '../../../core/registry/client';
import { LadingError } from '../../../core/registry/errors';
import { parseRegistryArg } from '../args';
import {
  cliContext,
  globalOptions,
  isInsecure,
  note,
  passwordFromStdin,
  print,
  printJson,
  promptHidden,
} from '../context';
import { table } from '../format';

/** docker login's warning, with the ways to configure a credential helper on each system. */
export function unencryptedWarning(path: string): string {
  return [
    `WARNING! Your password is stored unencrypted (base64) in ${path}.`,
    'Configure a credential helper to keep it in the system keychain: set "credsStore" in that file to',
    '"osxkeychain" (macOS), "wincred" (Windows), "secretservice" or "pass" (Linux), with the matching',
    'docker-credential-* program installed. https://docs.docker.com/go/credential-store/',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('login')
    .description('check and save a registry login (like docker login)')
    .argument('<registry>', 'registry host, e.g. ghcr.io')
    .option('--json', 'print where the login was saved as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  printf %s "$GITHUB_TOKEN" | lading login ghcr.io -u octocat --password-stdin',
    )
    .action(async (registryArg: string, opts: { json?: boolean }, cmd: Command) => {
      const { registry, insecure } = parseRegistryArg(registryArg);
      const globals = globalOptions(cmd);
      const { io, signal } = cliContext();
      if (!globals.username) {
        throw new LadingError('invalid-input', 'login needs -u USER.', {
          hint: `Run: printf %s "$TOKEN" | lading login ${registry} -u USER --password-stdin`,
        });
      }
      // Like docker login: the password comes from stdin when asked, else from a prompt on the terminal.
      let password: string;
      if (globals.passwordStdin) password = await passwordFromStdin();
      else if (io.stdinIsTTY) password = await promptHidden('Password: ');
      else {
        throw new LadingError('invalid-input', 'login needs --password-stdin when stdin is not a terminal.', {
          hint: `Run: printf %s "$TOKEN" | lading login ${registry} -u ${globals.username} --password-stdin`,
        });
      }
      if (password === '') throw new LadingError('invalid-input', 'The password is empty.');
      // Check before saving: a wrong password must never be written.
      const client = new RegistryClient({
        registry,
        insecure: insecure || isInsecure(registry, globals, io.env),
        credentials: { username: globals.username, password },
        allowCrossHostRealm: globals.allowCrossHostRealm === true,
      });
      await client.auth.verifyCredentials(signal);
      const saved = await login(registry, { username: globals.username, password }, { env: io.env });
      // As docker login does: a login in config.json is only base64, readable by anyone who reads the file.
      if (!saved.helper && saved.path) note(unencryptedWarning(saved.path));
      if (opts.json) printJson({ registry: saved.registry, username: globals.username, ...where(saved) });
      else
        print(
          `Login succeeded; saved ${saved.helper ? `in docker-credential-${saved.helper}` : `to ${saved.path}`}.`,
        );
    });

  program
    .command('logout')
    .description('remove a saved registry login')
    .argument('<registry>', 'registry host, e.g. ghcr.io')
    .option('--json', 'print what was removed as JSON')
    .action(async (registryArg: string, opts: { json?: boolean }) => {
      const { registry } = parseRegistryArg(registryArg);
      const result = await logout(registry, { env: cliContext().io.env });
      if (opts.json) printJson({ registry, ...result });
      else print(result.removed ? `Removed the login for ${registry}.` : `Not logged in to ${registry}.`);
    });

  program
    .command('logins')
    .description('list saved registry logins (docker, helpers, podman; no secrets)')
    .option('--json', 'print a JSON array of {registry, username?, source, helper?}; never secrets')
    .action(async (opts: { json?: boolean }) => {
      const logins = await listMachineCredentials({ env: cliContext().io.env });
      if (opts.json) {
        printJson(logins);
        return;
      }
      if (logins.length === 0) {
        print('No registry logins found.');
        return;
      }
      const rows = logins.map((l) => [
        l.registry,
        l.username ?? '',
        l.helper ? `${l.source} (${l.helper})` : l.source,
      ]);
      for (const line of table([['REGISTRY', 'USERNAME', 'SOURCE'], ...rows])) print(line);
    });
}

function where(saved: { path?: string; helper?: string }): { path: string } | { helper: string } | object {
  if (saved.helper) return { helper: saved.helper };
  if (saved.path) return { path: saved.path };
  return {};
}
