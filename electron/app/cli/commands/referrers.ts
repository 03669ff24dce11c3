/** `lading referrers REFERENCE`: the signatures, attestations and SBOMs attached to an image, and where each was found. */
import type { Command } from 'commander';
import { referrerKind } from '../../../../shared/supply';
import { discoverReferrers } from '../../../core/supply/discover';
import { parseReferenceArg } from '../args';
import { cliContext, note, print, printJson, registryClient } from '../context';
import { humanSize, shortDigest, table } from '../format';

export function register(program: Command): void {
  program
    .command('referrers')
    .description('list the signatures, attestations and SBOMs attached to an image')
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2 or …@sha256:…')
    .option('--json', 'print [{digest, artifactType, mediaType, size, annotations, source}]')
    .action(async (referenceArg: string, opts: { json?: boolean }, cmd: Command) => {
      const ref = parseReferenceArg(referenceArg);
      const client = await registryClient(cmd, ref.registry);
      const reference = ref.digest ?? ref.tag;
      if (!reference) return;
      const found = await discoverReferrers(client, ref.repository, reference, {
        signal: cliContext().signal,
      });
      if (found.truncated)
        note(`lading: more referrers than listed; showing the first ${found.referrers.length}.`);
      if (opts.json) return printJson(found.referrers);
      if (found.referrers.length === 0) return print(`Nothing is attached to ${found.subject}.`);
      const rows = found.referrers.map((r) => [
        referrerKind(r),
        shortDigest(r.digest),
        humanSize(r.size),
        r.source,
        r.artifactType || r.mediaType,
        r.annotations['vnd.docker.reference.digest']
          ? `for ${shortDigest(r.annotations['vnd.docker.reference.digest'])}`
          : '',
      ]);
      for (const line of table([['KIND', 'DIGEST', 'SIZE', 'SOURCE', 'TYPE', ''], ...rows])) print(line);
    });
}
