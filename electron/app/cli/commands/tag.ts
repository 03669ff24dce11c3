/** `lading tag SOURCE TARGET`: point a new tag at an existing manifest, in the same or another repository. */
import type { Command } from 'commander';
import { LadingError } from '../../../core/registry/errors';
import { LATEST, type RepositoryName, type Tag, tagName } from '../../../core/registry/names';
import {
  formatReference,
  isValidTag,
  parseReference,
  type Reference,
} from '../../../core/registry/reference';
import { tagImage } from '../../../core/registry/tagging';
import { parseReferenceArg } from '../args';
import { cliContext, print, printJson, registryClient } from '../context';

/**
 * TARGET is a bare tag (same repository) or a full reference with a tag in the same registry. Copying
 * between registries is a pull + push with blob transfer, which `tag` does not pretend to be.
 */
export function resolveTagTarget(
  source: Reference,
  target: string,
): { repository: RepositoryName; tag: Tag } {
  const trimmed = target.trim();
  if (isValidTag(trimmed)) return { repository: source.repository, tag: tagName(trimmed) };
  const ref = parseReference(trimmed, { defaultRegistry: source.registry });
  if (ref.digest) {
    throw new LadingError('invalid-input', `The target "${target}" has a digest; a tag target needs a tag.`, {
      hint: 'Give a tag, e.g. "v2", or a reference like "host/repo:v2".',
    });
  }
  if (!ref.tag) {
    throw new LadingError('invalid-input', `The target "${target}" has no tag.`, {
      hint: `Add one, e.g. "${trimmed}:latest".`,
    });
  }
  if (ref.registry !== source.registry) {
    throw new LadingError(
      'invalid-input',
      `Cannot tag across registries: the source is on ${source.registry}, the target on ${ref.registry}.`,
      { hint: 'Tag within one registry, or copy the image with `lading pull` and `lading push`.' },
    );
  }
  return { repository: ref.repository, tag: ref.tag };
}

export function register(program: Command): void {
  program
    .command('tag')
    .description('add a tag to an image, in the same registry')
    .argument('<source>', 'existing image, e.g. ghcr.io/acme/app:1.2')
    .argument('<target>', 'new tag, e.g. latest, or ghcr.io/acme/other:1.2')
    .option('--json', 'print the result as JSON')
    .action(async (sourceArg: string, targetArg: string, opts: { json?: boolean }, cmd: Command) => {
      const source = parseReferenceArg(sourceArg);
      const target = resolveTagTarget(source, targetArg);
      const client = await registryClient(cmd, source.registry);
      const result = await tagImage(
        client,
        { repository: source.repository, reference: source.digest ?? source.tag ?? LATEST },
        { repository: target.repository, tag: target.tag },
        { signal: cliContext().signal },
      );
      const targetRef = formatReference({ registry: source.registry, ...target });
      if (opts.json) {
        printJson({
          source: formatReference(source),
          target: targetRef,
          digest: result.digest,
          mountedBlobs: result.mountedBlobs,
        });
        return;
      }
      print(`Tagged ${targetRef} (${result.digest})`);
      if (result.mountedBlobs > 0) print(`Mounted ${result.mountedBlobs} blob(s) from ${source.repository}.`);
    });
}
