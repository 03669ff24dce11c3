/** `lading catalog REGISTRY`: every repository in the registry's _catalog, all pages. */
import type { Command } from 'commander';
import { parseRegistryArg, positiveInt } from '../args';
import { cliContext, print, printJson, registryClient } from '../context';

export function register(program: Command): void {
  program
    .command('catalog')
    .description('list every repository of a registry')
    .argument('<registry>', 'registry host, e.g. localhost:5000')
    .option('--json', 'print a JSON array of repository names')
    .option('--page-size <n>', 'entries to ask for per page', positiveInt)
    .action(async (registryArg: string, opts: { json?: boolean; pageSize?: number }, cmd: Command) => {
      const { registry, insecure } = parseRegistryArg(registryArg);
      const client = await registryClient(cmd, registry, { insecure });
      const names = await client.catalog({ pageSize: opts.pageSize, signal: cliContext().signal });
      if (opts.json) printJson(names);
      else for (const name of names) print(name);
    });
}
