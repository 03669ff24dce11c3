/**
 * `lading copy SOURCE TARGET` and `lading sync SOURCE_REPOSITORY TARGET_REPOSITORY`: images from one
 * registry (or repository) to another, blob to blob, with each registry's own login.
 */
import type { Command } from 'commander';
import { copyCounts, copyImage, syncRepository } from '../../../core/operations/copy';
import { parsePattern } from '../../../core/operations/patterns';
import { LadingError } from '../../../core/registry/errors';
import { LATEST } from '../../../core/registry/names';
import {
  formatReference,
  parseReference,
  parseRepository,
  type Reference,
} from '../../../core/registry/reference';
import { progressDisplay } from '../../../core/transfer/terminal-progress';
import { parsePlatformArg, parseReferenceArg } from '../args';
import { cliContext, note, print, printJson, registryClient } from '../context';

interface CopyFlags {
  platform?: string;
  referrers?: boolean;
  json?: boolean;
}

interface SyncFlags {
  tags?: string;
  dryRun?: boolean;
  referrers?: boolean;
  json?: boolean;
}

/** A copy target: a tag, or none (the source's tag); never a digest, which the copy decides. */
export function parseCopyTarget(input: string): Pick<Reference, 'registry' | 'repository' | 'tag'> {
  const ref = parseReference(input);
  if (ref.digest) {
    throw new LadingError(
      'invalid-input',
      `The copy target "${input}" has a digest; a copy keeps the source's digest.`,
      {
        hint: "Give the target as REGISTRY/REPOSITORY[:TAG]; without a tag it takes the source's.",
      },
    );
  }
  return { registry: ref.registry, repository: ref.repository, tag: ref.tag };
}

export function register(program: Command): void {
  program
    .command('copy')
    .description('copy an image or a whole index to another repository or registry, blob to blob')
    .argument('<source>', 'e.g. docker.io/library/alpine:3.20 or ghcr.io/acme/app@sha256:…')
    .argument('<target>', "e.g. ghcr.io/acme/alpine:3.20 (no tag: the source's tag)")
    .option(
      '--platform <os/arch[/variant]>',
      'copy one platform of an index (its image manifest alone)',
      parsePlatformArg,
    )
    .option('--referrers', 'also copy its signatures, attestations and SBOMs (sha256-… tags)')
    .option('--json', 'print {source, target, digest, mediaType, blobs: {copied, mounted, existing}, bytes}')
    .action(async (sourceArg: string, targetArg: string, opts: CopyFlags, cmd: Command) => {
      const { signal, io } = cliContext();
      const source = parseReferenceArg(sourceArg);
      const target = parseCopyTarget(targetArg);
      const sourceClient = await registryClient(cmd, source.registry);
      const targetClient =
        target.registry === source.registry ? sourceClient : await registryClient(cmd, target.registry);
      const display = opts.json ? undefined : progressDisplay(io.stderr, process.stderr.isTTY === true);
      const result = await copyImage({
        source: {
          client: sourceClient,
          repository: source.repository,
          reference: source.digest ?? source.tag ?? LATEST,
        },
        target: {
          client: targetClient,
          repository: target.repository,
          tag: target.tag ?? (source.digest ? undefined : source.tag),
        },
        platform: opts.platform,
        referrers: opts.referrers,
        signal,
        onProgress: display ? (p) => display.update(p) : undefined,
        onWarning: (w) => note(`warning: ${w}`),
      });
      display?.done();
      if (opts.json) {
        printJson(result);
        return;
      }
      print(`Copied ${result.source} to ${result.target}@${result.digest} (${copyCounts(result)})`);
      if (result.referrers.length)
        print(`With ${result.referrers.length} referrer tag(s): ${result.referrers.join(', ')}`);
    });

  program
    .command('sync')
    .description('copy every tag of a repository whose digest differs at the target; equal tags are skipped')
    .argument('<source-repository>', 'e.g. registry.example.com/team/app')
    .argument('<target-repository>', 'e.g. ghcr.io/acme/app')
    .option('--tags <regex>', 'only tags matching this regular expression')
    .option('--dry-run', 'list what would be copied; change nothing')
    .option('--referrers', "also copy each image's signatures, attestations and SBOMs (sha256-… tags)")
    .option('--json', 'print {copied: [tag…], skipped: [tag…], failed: [{tag, error}]}')
    .action(async (sourceArg: string, targetArg: string, opts: SyncFlags, cmd: Command) => {
      const { signal, io } = cliContext();
      const tags = opts.tags === undefined ? undefined : parsePattern(opts.tags, '--tags');
      const source = parseRepository(sourceArg);
      const target = parseRepository(targetArg);
      const sourceClient = await registryClient(cmd, source.registry);
      const targetClient =
        target.registry === source.registry ? sourceClient : await registryClient(cmd, target.registry);
      const display = opts.json ? undefined : progressDisplay(io.stderr, process.stderr.isTTY === true);
      const result = await syncRepository({
        source: { client: sourceClient, repository: source.repository },
        target: { client: targetClient, repository: target.repository },
        tags,
        dryRun: opts.dryRun,
        referrers: opts.referrers,
        signal,
        onTag: opts.json
          ? undefined
          : (tag, outcome) => note(`${tag}: ${opts.dryRun && outcome === 'copied' ? 'would copy' : outcome}`),
        onProgress: display ? (p) => display.update(p) : undefined,
        onWarning: (w) => note(`warning: ${w}`),
      });
      display?.done();
      if (opts.json) printJson(result);
      else {
        const to = formatReference({ ...target });
        print(
          `${opts.dryRun ? 'Would copy' : 'Copied'} ${result.copied.length} tag(s) to ${to}; ${result.skipped.length} already the same${result.failed.length ? `; ${result.failed.length} failed` : ''}.`,
        );
        for (const f of result.failed) print(`  ${f.tag}: ${f.error.message}`);
      }
      if (result.failed.length) {
        throw new LadingError(
          'conflict',
          `${result.failed.length} of ${result.failed.length + result.copied.length} tags could not be copied.`,
          {
            hint: "See each tag's error above; run the same sync again to finish the rest (equal tags are skipped).",
          },
        );
      }
    });
}
