/** `lading pull REFERENCE FILE`: pull an image into a docker-load-able archive or an OCI archive. */
import { type Command, Option } from 'commander';
import { formatReference } from '../../../core/registry/reference';
import { pullImage } from '../../../core/transfer/pull';
import { progressDisplay } from '../../../core/transfer/terminal-progress';
import { parsePlatformArg, parseReferenceArg } from '../args';
import { cliContext, print, printJson, registryClient } from '../context';
import { humanSize } from '../format';

interface PullFlags {
  format: 'docker' | 'oci';
  platform?: string;
  allPlatforms?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('pull')
    .description('pull an image into an archive file (docker load-able, or OCI)')
    .argument('<reference>', 'image to pull, e.g. ghcr.io/acme/app:1.0 or …@sha256:…')
    .argument('<file>', 'the archive to write (written under a temporary name, renamed when complete)')
    .addOption(new Option('--format <format>', 'archive format').choices(['docker', 'oci']).default('docker'))
    .option(
      '--platform <os/arch[/variant]>',
      'platform to pick from a multi-platform image (default: this machine)',
      parsePlatformArg,
    )
    .option('--all-platforms', 'keep the whole multi-platform index (needs --format oci)')
    .option('--json', 'print the result as JSON')
    .action(async (referenceArg: string, file: string, opts: PullFlags, cmd: Command) => {
      const { signal, io } = cliContext();
      const reference = parseReferenceArg(referenceArg);
      const client = await registryClient(cmd, reference.registry);
      const display = opts.json ? undefined : progressDisplay(io.stderr, process.stderr.isTTY === true);
      const result = await pullImage({
        client,
        reference,
        outputPath: file,
        format: opts.format,
        platform: opts.platform,
        allPlatforms: opts.allPlatforms,
        signal,
        onProgress: display ? (p) => display.update(p) : undefined,
      });
      display?.done();
      if (opts.json) printJson(result);
      else
        print(
          `Pulled ${formatReference(reference)} (${result.platforms.join(', ')}) into ${result.path} (${humanSize(result.size)}, ${result.format} archive)`,
        );
    });
}
