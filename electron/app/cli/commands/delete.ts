/** `lading delete REFERENCE`: delete one tag (siblings stay) or a manifest by digest (with all its tags). */
import type { Command } from 'commander';
import { LadingError } from '../../../core/registry/errors';
import { formatReference, parseReference } from '../../../core/registry/reference';
import { cliContext, confirm, print, printJson, registryClient } from '../context';

export function register(program: Command): void {
  program
    .command('delete')
    .description('delete a tag, or a manifest by digest with all its tags')
    .argument('<reference>', 'host/repository:tag or host/repository@sha256:…')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option('--json', 'print the result as JSON')
    .action(async (referenceArg: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const ref = parseReference(referenceArg);
      if (!ref.tag && !ref.digest) {
        throw new LadingError('invalid-input', `"${referenceArg}" names no tag or digest to delete.`, {
          hint: 'Say which one, e.g. repo:old or repo@sha256:… (delete never assumes "latest").',
        });
      }
      if (ref.tag && ref.digest) {
        throw new LadingError(
          'invalid-input',
          `"${referenceArg}" has both a tag and a digest; delete needs one.`,
          {
            hint: 'Use repo:tag to delete the tag only, or repo@sha256:… to delete the manifest and all its tags.',
          },
        );
      }
      const name = formatReference(ref);
      if (!opts.yes) {
        const question = ref.digest
          ? `Delete manifest ${name} and every tag that points to it?`
          : `Delete tag ${name}? (other tags of the same image stay)`;
        const yes = await confirm(
          question,
          new LadingError(
            'invalid-input',
            `Refusing to delete ${name} without confirmation: stdin is not a terminal.`,
            {
              hint: 'Add --yes to delete from a script.',
            },
          ),
        );
        if (!yes) throw new LadingError('cancelled', 'Nothing was deleted.');
      }
      const client = await registryClient(cmd, ref.registry);
      const { signal } = cliContext();
      if (ref.digest) {
        const { removedTags } = await client.deleteDigest(ref.repository, ref.digest, { signal });
        if (opts.json) printJson({ deleted: name, digest: ref.digest, removedTags });
        else {
          print(`Deleted ${name}`);
          print(removedTags.length ? `Removed tags: ${removedTags.join(', ')}` : 'No tags pointed to it.');
        }
        return;
      }
      const tag = ref.tag as string;
      await client.deleteTag(ref.repository, tag, { signal });
      if (opts.json) printJson({ deleted: name, removedTags: [tag] });
      else print(`Deleted tag ${name}`);
    });
}
