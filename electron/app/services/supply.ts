/** registry.supplyChain and registry.verifySignatures: the core's supply-chain reads for the image page. */
import type { Handlers } from '../../../shared/contract';
import type { SupplyChain } from '../../../shared/supply';
import { isLadingError, toErrorInfo } from '../../core/registry/errors';
import { manifestReference, repositoryName } from '../../core/registry/names';
import { discoverReferrers } from '../../core/supply/discover';
import { parsePublicKey } from '../../core/supply/keys';
import { readProvenance, readSbom } from '../../core/supply/read-attached';
import { verifyImage } from '../../core/supply/verify';
import type { ServiceContext } from './context';
import { createRegistryClient } from './dependencies';

/** The table in the app is virtualised, but the answer still crosses IPC: a bound on what it carries. */
const MAX_PACKAGES = 50_000;

export function supplyHandlers(
  ctx: ServiceContext,
): Pick<Handlers, 'registry.supplyChain' | 'registry.verifySignatures'> {
  return {
    'registry.supplyChain': async ({ connectionId, repository, reference, platform }) => {
      const client = createRegistryClient(await ctx.access(connectionId));
      const repo = repositoryName(repository);
      const ref = manifestReference(reference);
      const found = await discoverReferrers(client, repo, ref);
      const out: SupplyChain = {
        subject: found.subject,
        referrers: found.referrers,
        truncated: found.truncated,
        provenance: [],
      };
      try {
        const sbom = await readSbom(client, repo, ref, { platform });
        out.sbom = {
          format: sbom.format,
          document: sbom.document,
          packages: sbom.packages.slice(0, MAX_PACKAGES),
        };
      } catch (e) {
        // No SBOM is a state, not an error; anything else is said in the section.
        if (!(isLadingError(e) && e.code === 'manifest-unknown')) out.sbomError = toErrorInfo(e);
      }
      try {
        out.provenance = await readProvenance(client, repo, ref, { platform });
      } catch (e) {
        out.provenanceError = toErrorInfo(e);
      }
      return out;
    },
    'registry.verifySignatures': async ({ connectionId, repository, reference, keys }) => {
      const parsed = keys.map((k) => parsePublicKey(k.pem, k.name));
      const client = createRegistryClient(await ctx.access(connectionId));
      const result = await verifyImage(
        client,
        repositoryName(repository),
        manifestReference(reference),
        parsed,
      );
      return { verified: result.verified, signatures: result.signatures };
    },
  };
}
