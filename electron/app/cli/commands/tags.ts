/** `lading tags REPOSITORY`: every tag of a repository, all pages. */
import type { Command } from 'commander';
import { repositoryName } from '../../../core/registry/names';
import { parseRepositoryArg } from '../args';
import { cliContext, print, printJson, registryClient } from '../context';

export function register(program: Command): void {
  program
    .command('tags')
    .description('list every tag of a repository')
    .argument('<repository>', 'repository, e.g. ghcr.io/acme/app')
    .option('--json', 'print a JSON array of tags')
    .action(async (repositoryArg: string, opts: { json?: boolean }, cmd: Command) => {
      const { registry, repository } = parseRepositoryArg(repositoryArg);
      const client = await registryClient(cmd, registry);
      const tags = await client.tags(repositoryName(repository), { signal: cliContext().signal });
      if (opts.json) printJson(tags);
      else for (const tag of tags) print(tag);
    });
}
