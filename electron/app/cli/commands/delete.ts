/** `lading delete REFERENCE`: delete one tag (siblings stay) or a manifest by digest (with all its tags). */
import type { Command } from 'commander';
import { deletesThroughGitHub } from '../../../core/github/hosts';
import { LadingError } from '../../../core/registry/errors';
import { tagName } from '../../../core/registry/names';
import { formatReference, parseReference } from '../../../core/registry/reference';
import { deleteDigest, deleteTag } from '../../../core/registry/tagging';
import { cliContext, confirm, print, printJson, registryClient } from '../context';
import { githubContextFor } from './gh';

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
      const { signal, io } = cliContext();
      if (deletesThroughGitHub(ref.registry, io.env.LADING_GITHUB_REGISTRY)) {
        // ghcr answers 405 to manifest DELETE: the packages API does it, with the app's guards.
        const removedTags = await deleteThroughGitHub(cmd, ref, signal);
        if (opts.json)
          printJson({ deleted: name, ...(ref.digest ? { digest: ref.digest } : {}), removedTags });
        else {
          print(ref.digest ? `Deleted ${name}` : `Deleted tag ${name}`);
          if (ref.digest)
            print(removedTags.length ? `Removed tags: ${removedTags.join(', ')}` : 'No tags pointed to it.');
          print(
            'Through the GitHub Packages API: deleted versions are restorable for 30 days (lading gh versions --deleted).',
          );
        }
        return;
      }
      const client = await registryClient(cmd, ref.registry);
      if (ref.digest) {
        const { removedTags } = await deleteDigest(client, ref.repository, ref.digest, { signal });
        if (opts.json) printJson({ deleted: name, digest: ref.digest, removedTags });
        else {
          print(`Deleted ${name}`);
          print(removedTags.length ? `Removed tags: ${removedTags.join(', ')}` : 'No tags pointed to it.');
        }
        return;
      }
      const tag = ref.tag as string;
      await deleteTag(client, ref.repository, tagName(tag), { signal });
      if (opts.json) printJson({ deleted: name, removedTags: [tag] });
      else print(`Deleted tag ${name}`);
    });
}

/** A tag or digest delete on a GitHub host, with `lading gh`'s token (GH_TOKEN or the docker/podman login). */
async function deleteThroughGitHub(
  cmd: Command,
  ref: ReturnType<typeof parseReference>,
  signal: AbortSignal,
): Promise<string[]> {
  const ctx = await githubContextFor(cmd, ref.registry, ref.repository.split('/')[0]);
  const { deleteOnGitHub } = await import('../../../core/github/index');
  const { removedTags } = await deleteOnGitHub({
    connection: ctx.connection,
    token: ctx.token,
    client: ctx.client(),
    repository: ref.repository,
    tags: ref.tag ? [ref.tag] : [],
    digests: ref.digest ? [ref.digest] : [],
    signal,
  });
  return removedTags;
}
