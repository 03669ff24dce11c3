/** `lading sbom REFERENCE`: the packages of the SBOM attached to an image (SPDX or CycloneDX). */
import type { Command } from 'commander';
import { readSbom } from '../../../core/supply/read-attached';
import { parsePlatformArg, parseReferenceArg } from '../args';
import { cliContext, note, print, printJson, registryClient } from '../context';
import { shortDigest, table } from '../format';

export function register(program: Command): void {
  program
    .command('sbom')
    .description('list the packages in the SBOM attached to an image (SPDX or CycloneDX JSON)')
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2 or …@sha256:…')
    .option(
      '--platform <os/arch[/variant]>',
      'for a multi-platform index: the SBOM of this platform',
      parsePlatformArg,
    )
    .option('--json', 'print {format, packages: [{name, version, purl?, license?}]}')
    .action(async (referenceArg: string, opts: { platform?: string; json?: boolean }, cmd: Command) => {
      const ref = parseReferenceArg(referenceArg);
      const client = await registryClient(cmd, ref.registry);
      const reference = ref.digest ?? ref.tag;
      if (!reference) return;
      const sbom = await readSbom(client, ref.repository, reference, {
        platform: opts.platform,
        signal: cliContext().signal,
      });
      if (opts.json) return printJson({ format: sbom.format, packages: sbom.packages });
      note(
        `${sbom.format === 'spdx' ? 'SPDX' : 'CycloneDX'} SBOM ${shortDigest(sbom.document)}: ${sbom.packages.length} package(s)`,
      );
      const rows = sbom.packages.map((p) => [p.name, p.version || '-', p.license ?? '-', p.purl ?? '']);
      for (const line of table([['NAME', 'VERSION', 'LICENSE', 'PURL'], ...rows])) print(line);
    });
}
