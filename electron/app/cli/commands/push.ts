/**
 * `lading push ARCHIVE REFERENCE`: push a docker save / OCI archive (optionally gzip/zstd) to a registry;
 * `lading push docker-daemon:NAME[:TAG] REFERENCE`: push a local engine's image, its save streamed.
 */
import { type Command, Option } from 'commander';
import type { Connection } from '../../../../shared/types';
import type { EngineKind } from '../../../core/engines/endpoint';
import { pushFromEngine } from '../../../core/engines/push-from-engine';
import { githubKindForPushTarget } from '../../../core/github/push-preflight';
import {
  type PushOperation,
  type PushOutcome,
  pushCounts,
  pushToRegistry,
} from '../../../core/operations/push';
import { LadingError } from '../../../core/registry/errors';
import { tagName } from '../../../core/registry/names';
import { formatReference, parseReference } from '../../../core/registry/reference';
import type { Compression } from '../../../core/transfer/push';
import { progressDisplay } from '../../../core/transfer/terminal-progress';
import { parsePlatformArg, positiveInt } from '../args';
import { cliContext, note, print, printJson, registryClient } from '../context';
import { cliEngine, engineImageArg, engineOption, requireLocalName } from '../engine-args';

/**
 * The target as a connection, for GitHub's push rules: ghcr.io, docker.pkg.github.com and *.ghe.com are
 * GitHub registries, and so is the GitHub Enterprise Server registry named in LADING_GITHUB_REGISTRY (the
 * `lading gh` setting; LADING_GITHUB_API gives its REST base for the package settings link). Any other
 * registry gets kind `generic`, which runs no GitHub rules.
 */
function githubTarget(
  registry: string,
  env: NodeJS.ProcessEnv,
): Pick<Connection, 'kind' | 'registry' | 'githubApiUrl'> {
  const hosts = env.LADING_GITHUB_REGISTRY ? [env.LADING_GITHUB_REGISTRY] : [];
  const kind = githubKindForPushTarget(registry, hosts);
  if (!kind) return { kind: 'generic', registry };
  return { kind, registry, githubApiUrl: env.LADING_GITHUB_API || undefined };
}

interface PushFlags {
  image?: string;
  platform?: string;
  compression?: Compression;
  concurrency?: number;
  json?: boolean;
  engine?: EngineKind;
}

/** The archive file's push, or the engine image's when the source is docker-daemon:NAME. */
async function push(
  source: string,
  op: Omit<PushOperation, 'archivePath'>,
  engineKind?: EngineKind,
): Promise<PushOutcome> {
  const local = engineImageArg(source);
  if (local === undefined) return pushToRegistry({ ...op, archivePath: source });
  const localImage = requireLocalName(local);
  if (op.image)
    throw new LadingError(
      'invalid-input',
      '--image picks an image of an archive file; name the local image after docker-daemon:.',
    );
  const engine = await cliEngine(engineKind);
  try {
    return await pushFromEngine({ ...op, engine, localImage });
  } finally {
    await engine.close();
  }
}

export function register(program: Command): void {
  program
    .command('push')
    .description(
      "push an image archive (docker save, OCI archive, .tar.gz, .tar.zst) or a local engine's image to a registry",
    )
    .argument('<archive>', 'the archive file, or docker-daemon:NAME[:TAG] for an image in the local engine')
    .argument(
      '<reference>',
      "where to push, e.g. ghcr.io/acme/app:1.0 (no tag: the archive's own tag, else latest)",
    )
    .option('--image <name>', 'which image of a multi-image archive (a RepoTag or ref name)')
    .option(
      '--platform <os/arch[/variant]>',
      'push one platform of a multi-platform archive',
      parsePlatformArg,
    )
    .addOption(
      new Option('--compression <kind>', 'how to compress uncompressed layers')
        .choices(['gzip', 'zstd', 'none'])
        .default('gzip'),
    )
    .option(
      '--concurrency <n>',
      'layers uploaded at once (default 3; layers under 1 MiB count a quarter each)',
      positiveInt,
    )
    .addOption(engineOption())
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      "\nTo ghcr.io, docker.pkg.github.com, *.ghe.com and the GitHub Enterprise Server registry in\nLADING_GITHUB_REGISTRY, GitHub's rules are checked before any upload (lowercase names, OWNER/REPOSITORY/IMAGE\nand a tag on docker.pkg.github.com, layer caps) and its package-page labels are checked (warnings on stderr).\nAfter a new package's first push, a note says it is private and links its settings (LADING_GITHUB_API for GHES).",
    )
    .action(async (archive: string, referenceArg: string, opts: PushFlags, cmd: Command) => {
      const { signal, io } = cliContext();
      const target = parseReference(referenceArg);
      if (target.digest && !target.tag) {
        throw new LadingError(
          'invalid-reference',
          'A push needs a tag, not a digest, in the target reference.',
          {
            hint: 'Write the target as REGISTRY/REPOSITORY:TAG.',
          },
        );
      }
      const client = await registryClient(cmd, target.registry);
      const display = opts.json ? undefined : progressDisplay(io.stderr, process.stderr.isTTY === true);
      const outcome = await push(
        archive,
        {
          connection: githubTarget(target.registry, io.env),
          target,
          image: opts.image,
          platform: opts.platform,
          compression: opts.compression,
          concurrency: opts.concurrency,
          client,
          signal,
          onProgress: display ? (p) => display.update(p) : undefined,
          onWarning: (w) => note(`warning: ${w}`),
        },
        opts.engine,
      );
      const { result, notice } = outcome;
      display?.done();
      if (notice) note(`note: ${notice}`);
      if (opts.json) {
        printJson(notice ? { ...result, notice } : result);
        return;
      }
      print(
        `Pushed ${formatReference({ ...target, tag: tagName(result.tag), digest: undefined })}@${result.digest} (${pushCounts(outcome)})`,
      );
    });
}
