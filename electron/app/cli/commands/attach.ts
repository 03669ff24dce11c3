/** `lading attach REFERENCE --artifact-type TYPE FILE`: push a file as an OCI 1.1 artifact that refers to the image. */
import type { Command } from 'commander';
import { attachArtifact } from '../../../core/supply/attach';
import { parseReferenceArg } from '../args';
import { cliContext, note, print, printJson, registryClient } from '../context';

export function register(program: Command): void {
  program
    .command('attach')
    .description('attach a file to an image as an OCI 1.1 artifact (subject + artifactType), as oras attach')
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2 or …@sha256:…')
    .argument('<file>', 'the file to attach (an SBOM, a report, a signature)')
    .requiredOption('--artifact-type <type>', 'what the artifact is, e.g. application/spdx+json')
    .option('--media-type <type>', "the file's media type (default application/octet-stream)")
    .option('--json', 'print {digest, subject, tagSchema}')
    .action(
      async (
        referenceArg: string,
        file: string,
        opts: { artifactType: string; mediaType?: string; json?: boolean },
        cmd: Command,
      ) => {
        const ref = parseReferenceArg(referenceArg);
        const client = await registryClient(cmd, ref.registry);
        const reference = ref.digest ?? ref.tag;
        if (!reference) return;
        const result = await attachArtifact(client, ref.repository, reference, {
          artifactType: opts.artifactType,
          mediaType: opts.mediaType,
          file,
          signal: cliContext().signal,
        });
        if (opts.json) return printJson(result);
        if (result.tagSchema)
          note(
            `lading: no referrers API on ${ref.registry}; listed in the ${result.subject.replace(':', '-')} index`,
          );
        print(result.digest);
      },
    );
}
