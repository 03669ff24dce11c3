/** What the app shows of an image's supply chain (#19): its referrers, SBOM, provenance and signature checks. */
import { z } from 'zod';
import { ErrorInfoSchema } from './errors';

export const ReferrerSchema = z.object({
  digest: z.string(),
  artifactType: z.string(),
  mediaType: z.string(),
  size: z.number(),
  annotations: z.record(z.string(), z.string()),
  source: z.enum(['referrers-api', 'tag-schema', 'cosign', 'attestation-manifest']),
});
export type ReferrerInfo = z.infer<typeof ReferrerSchema>;

export const SbomPackageSchema = z.object({
  name: z.string(),
  version: z.string(),
  purl: z.string().optional(),
  license: z.string().optional(),
});
export type SbomPackageInfo = z.infer<typeof SbomPackageSchema>;

export const ProvenanceSchema = z.object({
  predicateType: z.string(),
  builderId: z.string().optional(),
  buildType: z.string().optional(),
  sourceRepository: z.string().optional(),
  sourceCommit: z.string().optional(),
  startedOn: z.string().optional(),
  finishedOn: z.string().optional(),
  entryPoint: z.string().optional(),
  document: z.string(),
  referrer: z.string(),
});

export const SupplyChainSchema = z.object({
  subject: z.string(),
  referrers: z.array(ReferrerSchema),
  truncated: z.boolean(),
  sbom: z
    .object({
      format: z.enum(['spdx', 'cyclonedx']),
      document: z.string(),
      packages: z.array(SbomPackageSchema),
    })
    .optional(),
  /** Why the SBOM could not be read (absent when there simply is none). */
  sbomError: ErrorInfoSchema.optional(),
  provenance: z.array(ProvenanceSchema),
  provenanceError: ErrorInfoSchema.optional(),
});
export type SupplyChain = z.infer<typeof SupplyChainSchema>;

export const SignatureCheckSchema = z.object({
  verified: z.boolean(),
  signatures: z.array(
    z.object({
      digest: z.string(),
      valid: z.boolean(),
      layout: z.enum(['cosign-sig', 'sigstore-bundle']),
      key: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
});
export type SignatureCheck = z.infer<typeof SignatureCheckSchema>;

const Id = z.string().min(1).max(100);
export const SupplyRequestSchema = z
  .object({
    connectionId: Id,
    repository: z.string().min(1).max(255),
    reference: z.string().min(1).max(200),
    platform: z.string().max(100).optional(),
  })
  .strict();
export const VerifyRequestSchema = z
  .object({
    connectionId: Id,
    repository: z.string().min(1).max(255),
    reference: z.string().min(1).max(200),
    /** PEM public keys the user pasted or saved, each with a name to report. */
    keys: z
      .array(z.object({ name: z.string().min(1).max(200), pem: z.string().min(1).max(20_000) }).strict())
      .min(1)
      .max(10),
  })
  .strict();

/** A short word for what a referrer is, for the CLI's table and the app's list. */
export function referrerKind(r: Pick<ReferrerInfo, 'artifactType' | 'source'>): string {
  const t = r.artifactType;
  if (r.source === 'attestation-manifest') return 'attestations';
  if (/simplesigning|sigstore\.bundle/.test(t)) return 'signature';
  if (/dsse|in-toto/.test(t)) return 'attestation';
  if (/spdx|cyclonedx|syft|sbom/.test(t)) return 'sbom';
  return 'artifact';
}
