/**
 * `lading pull REFERENCE FILE`: pull an image into a docker-load-able archive or an OCI archive;
 * `lading pull REFERENCE docker-daemon:[NAME[:TAG]]`: into the local engine (under the reference's name or NAME).
 */
import { type Command, Option } from 'commander';
import type { EngineKind } from '../../../core/engines/endpoint';
import { pullIntoEngine } from '../../../core/engines/pull-into-engine';
import { LadingError } from '../../../core/registry/errors';
import { formatReference, type Reference } from '../../../core/registry/reference';
import { pullImage } from '../../../core/transfer/pull';
import { progressDisplay } from '../../../core/transfer/terminal-progress';
import { parsePlatformArg, parseReferenceArg } from '../args';
import { cliContext, print, printJson, registryClient } from '../context';
import { cliEngine, engineImageArg, engineOption } from '../engine-args';
import { humanSize } from '../format';

interface PullFlags {
  format: 'docker' | 'oci';
  platform?: string;
  allPlatforms?: boolean;
  json?: boolean;
  engine?: EngineKind;
}

/** The pull into the engine: its platform unless --platform, its name NAME when given. */
async function pullToEngine(reference: Reference, as: string, opts: PullFlags, cmd: Command): Promise<void> {
  if (opts.allPlatforms || opts.format === 'oci')
    throw new LadingError(
      'invalid-input',
      'An engine takes one platform as a docker image: --format oci and --all-platforms do not apply.',
      {
        hint: 'Pick the platform with --platform, or pull into a file.',
      },
    );
  const { signal, io } = cliContext();
  const client = await registryClient(cmd, reference.registry);
  const engine = await cliEngine(opts.engine);
  try {
    const display = opts.json ? undefined : progressDisplay(io.stderr, process.stderr.isTTY === true);
    const result = await pullIntoEngine({
      engine,
      client,
      reference,
      as: as || undefined,
      platform: opts.platform,
      signal,
      onProgress: display ? (p) => display.update(p) : undefined,
    });
    display?.done();
    if (opts.json) printJson({ engine: engine.info.kind, ...result });
    else
      print(
        `Pulled ${formatReference(reference)} (${result.platforms.join(', ')}) into the ${engine.label} engine as ${result.loaded.join(', ')}`,
      );
  } finally {
    await engine.close();
  }
}

export function register(program: Command): void {
  program
    .command('pull')
    .description('pull an image into an archive file (docker load-able, or OCI) or into the local engine')
    .argument('<reference>', 'image to pull, e.g. ghcr.io/acme/app:1.0 or …@sha256:…')
    .argument(
      '<file>',
      'the archive to write (written under a temporary name, renamed when complete), or docker-daemon:[NAME[:TAG]] to load it into the local engine',
    )
    .addOption(new Option('--format <format>', 'archive format').choices(['docker', 'oci']).default('docker'))
    .option(
      '--platform <os/arch[/variant]>',
      'platform to pick from a multi-platform image (default: this machine)',
      parsePlatformArg,
    )
    .option('--all-platforms', 'keep the whole multi-platform index (needs --format oci)')
    .addOption(engineOption())
    .option('--json', 'print the result as JSON')
    .action(async (referenceArg: string, file: string, opts: PullFlags, cmd: Command) => {
      const { signal, io } = cliContext();
      const reference = parseReferenceArg(referenceArg);
      const local = engineImageArg(file);
      if (local !== undefined) return pullToEngine(reference, local, opts, cmd);
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
