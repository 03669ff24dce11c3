/**
 * SBOM documents into one package list: SPDX 2.x JSON and CycloneDX JSON, given raw, as the predicate of an
 * in-toto statement, or inside a DSSE envelope (cosign's .att), sniffed by their own fields rather than by
 * the media type they came with, which tools set inconsistently.
 */
import { LadingError } from '../registry/errors';

export interface SbomPackage {
  name: string;
  version: string;
  purl?: string;
  license?: string;
}

export interface Sbom {
  format: 'spdx' | 'cyclonedx';
  packages: SbomPackage[];
}

export const SPDX_PREDICATE = 'https://spdx.dev/Document';
export const CYCLONEDX_PREDICATE = 'https://cyclonedx.org/bom';
/** Nested CycloneDX components deeper than this are not followed (a hostile document could nest forever). */
const MAX_DEPTH = 32;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The SBOM in a document, or undefined when it holds none (another predicate, another format). */
export function sbomOf(doc: unknown, depth = 0): Sbom | undefined {
  if (!isObject(doc) || depth > 3) return undefined;
  if (typeof doc.spdxVersion === 'string') return { format: 'spdx', packages: spdxPackages(doc) };
  if (doc.bomFormat === 'CycloneDX')
    return { format: 'cyclonedx', packages: cyclonedxPackages(doc.components, 0) };
  // A Sigstore bundle (cosign v3 attest) carries the DSSE envelope under dsseEnvelope.
  if (isObject(doc.dsseEnvelope)) return sbomOf(doc.dsseEnvelope, depth + 1);
  if (typeof doc.payloadType === 'string' && typeof doc.payload === 'string') {
    return sbomOf(decodeJson(Buffer.from(doc.payload, 'base64')), depth + 1);
  }
  if (typeof doc._type === 'string' && doc._type.startsWith('https://in-toto.io/Statement/')) {
    return sbomOf(doc.predicate, depth + 1);
  }
  return undefined;
}

/** Like sbomOf, but says what was found instead when it is not an SBOM. */
export function parseSbom(doc: unknown, what: string): Sbom {
  const sbom = sbomOf(doc);
  if (sbom) return sbom;
  throw new LadingError('protocol-error', `The ${what} is JSON but neither SPDX 2.x nor CycloneDX.`, {
    hint: 'Lading reads SPDX JSON (spdxVersion) and CycloneDX JSON (bomFormat), raw or as an in-toto predicate.',
  });
}

function decodeJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** SPDX's "no answer" values, which are not licences. */
const NO_ASSERTION = new Set(['NOASSERTION', 'NONE']);

function spdxPackages(doc: Json): SbomPackage[] {
  const packages = Array.isArray(doc.packages) ? doc.packages : [];
  return packages.filter(isObject).flatMap((p) => {
    const name = str(p.name);
    if (!name) return [];
    const out: SbomPackage = { name, version: str(p.versionInfo) ?? '' };
    const refs = Array.isArray(p.externalRefs) ? p.externalRefs.filter(isObject) : [];
    // SPDX 2.3 spells the category PACKAGE-MANAGER, 2.2 PACKAGE_MANAGER; the type is what matters.
    const purl = refs.find((r) => r.referenceType === 'purl');
    if (str(purl?.referenceLocator)) out.purl = purl?.referenceLocator as string;
    const license = [p.licenseConcluded, p.licenseDeclared].map(str).find((l) => l && !NO_ASSERTION.has(l));
    if (license) out.license = license;
    return [out];
  });
}

function cyclonedxPackages(components: unknown, depth: number): SbomPackage[] {
  if (!Array.isArray(components) || depth > MAX_DEPTH) return [];
  return components.filter(isObject).flatMap((c) => {
    const nested = cyclonedxPackages(c.components, depth + 1);
    const name = str(c.name);
    if (!name) return nested;
    const group = str(c.group);
    const out: SbomPackage = { name: group ? `${group}/${name}` : name, version: str(c.version) ?? '' };
    if (str(c.purl)) out.purl = c.purl as string;
    const license = cyclonedxLicense(c.licenses);
    if (license) out.license = license;
    return [out, ...nested];
  });
}

/** `[{license: {id|name}}, …]` (all apply: joined with AND) or one `[{expression}]`. */
function cyclonedxLicense(licenses: unknown): string | undefined {
  if (!Array.isArray(licenses)) return undefined;
  const parts = licenses.filter(isObject).flatMap((l) => {
    const e = str(l.expression);
    if (e) return [e];
    const lic = isObject(l.license) ? l.license : undefined;
    const id = str(lic?.id) ?? str(lic?.name);
    return id ? [id] : [];
  });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : parts.map((p) => (/\s/.test(p) ? `(${p})` : p)).join(' AND ');
}
