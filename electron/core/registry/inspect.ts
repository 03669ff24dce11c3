/**
 * Inspecting an image or an index, the way skopeo inspect / crane config do, with per-platform resolution
 * for indexes: written once, for `lading inspect` and the app's registry.inspect alike.
 */
import type { ManifestResult, RegistryClient } from './client';
import { LadingError } from './errors';
import {
  type Descriptor,
  formatPlatform,
  type HistoryEntry,
  type ImageManifest,
  isIndex,
  type Platform,
} from './manifest';
import { MediaType } from './mediatypes';
import { digestName, type ManifestReference, type RepositoryName } from './names';
import type { CallOptions } from './session';

export interface InspectOptions extends CallOptions {
  /** 'os/arch[/variant]', e.g. 'linux/arm64/v8'; selects a child of an index. */
  platform?: string;
}

export interface InspectResult {
  registry: string;
  repository: string;
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  /** Present when `--platform` picked this image out of an index. */
  index?: { digest: string; mediaType: string };
  platforms?: string[];
  manifests?: Descriptor[];
  config?: { digest: string; mediaType: string; size: number };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  created?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  history?: HistoryEntry[];
  /** `createdBy`: the history step that made the layer, when the history lines up with the layers. */
  layers?: { digest: string; size: number; mediaType: string; createdBy?: string }[];
  /** Compressed size: config + layers. */
  totalSize?: number;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  user?: string;
  exposedPorts?: string[];
}

/** What inspecting reads: a RegistryClient, or anything that fetches manifests and configs as it does. */
export type InspectSource = Pick<RegistryClient, 'registry' | 'getManifest' | 'getConfig'>;

/** The inspection and the documents it was read from, byte for byte. */
export interface Inspection {
  info: InspectResult;
  manifestBytes: Buffer;
  /** Absent for an index, and for an artifact whose config is not an image config. */
  configBytes?: Buffer;
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
};
/** The variant a platform has when none is written (containerd's platforms.Normalize). */
const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new LadingError(
      'invalid-input',
      `Invalid platform "${s}": expected os/arch or os/arch/variant, e.g. linux/arm64/v8.`,
    );
  }
  const [os, arch, variant] = parts as [string, string, string | undefined];
  const architecture = ARCH_ALIASES[arch.toLowerCase()] ?? arch.toLowerCase();
  const p: Platform = { os: os.toLowerCase(), architecture };
  if (variant) p.variant = variant.toLowerCase();
  return p;
}

function variantOf(p: Platform): string | undefined {
  return p.variant ?? DEFAULT_VARIANT[p.architecture];
}

/** The child for a platform: exact os/arch, variant compared with defaults filled in (arm64 ≡ arm64/v8). */
export function selectPlatform(manifests: Descriptor[], wanted: Platform): Descriptor | undefined {
  const candidates = manifests.filter(
    (m) => m.platform && m.platform.os === wanted.os && m.platform.architecture === wanted.architecture,
  );
  if (wanted.variant) return candidates.find((m) => variantOf(m.platform as Platform) === variantOf(wanted));
  return candidates.find((m) => variantOf(m.platform as Platform) === variantOf(wanted)) ?? candidates[0];
}

function isImageConfig(mediaType: string): boolean {
  return mediaType === MediaType.ociConfig || mediaType === MediaType.dockerConfig;
}

async function imageFields(
  source: InspectSource,
  repository: RepositoryName,
  manifest: ImageManifest,
  opts: CallOptions,
): Promise<{ fields: Partial<InspectResult>; configBytes?: Buffer }> {
  const layers: NonNullable<InspectResult['layers']> = manifest.layers.map((l) => ({
    digest: l.digest,
    size: l.size,
    mediaType: l.mediaType,
  }));
  const out: Partial<InspectResult> = {
    config: {
      digest: manifest.config.digest,
      mediaType: manifest.config.mediaType,
      size: manifest.config.size,
    },
    layers,
    totalSize: manifest.config.size + layers.reduce((n, l) => n + l.size, 0),
  };
  if (manifest.annotations) out.annotations = manifest.annotations;
  if (!isImageConfig(manifest.config.mediaType)) return { fields: out }; // an artifact: not an image config
  const { config, bytes } = await source.getConfig(repository, manifest.config, opts);
  const c = config.config ?? {};
  out.labels = c.Labels ?? {};
  if (config.created) out.created = config.created;
  if (config.architecture) out.architecture = config.architecture;
  if (config.os) out.os = config.os;
  if (config.variant) out.variant = config.variant;
  if (config.os && config.architecture) {
    out.platforms = [
      formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant }),
    ];
  }
  if (config.history) {
    out.history = config.history;
    // Each non-empty step made one layer, in order; when the counts differ the pairing would be a guess.
    const steps = config.history.filter((h) => !h.empty_layer);
    if (steps.length === layers.length) {
      for (const [i, l] of layers.entries()) l.createdBy = steps[i]?.created_by;
    }
  }
  if (c.Env) out.env = c.Env;
  if (c.Entrypoint) out.entrypoint = c.Entrypoint;
  if (c.Cmd) out.cmd = c.Cmd;
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.User) out.user = c.User;
  if (c.ExposedPorts) out.exposedPorts = Object.keys(c.ExposedPorts);
  return { fields: out, configBytes: bytes };
}

/** The inspection alone (what `lading inspect --json` prints). */
export async function inspectImage(
  source: InspectSource,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: InspectOptions = {},
): Promise<InspectResult> {
  return (await inspect(source, repository, reference, opts)).info;
}

export async function inspect(
  source: InspectSource,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: InspectOptions = {},
): Promise<Inspection> {
  const top: ManifestResult = await source.getManifest(repository, reference, opts);
  const base: InspectResult = {
    registry: source.registry,
    repository,
    reference,
    digest: top.digest,
    mediaType: top.mediaType,
    size: top.size,
  };
  if (!isIndex(top.manifest)) {
    if (opts.platform) parsePlatform(opts.platform); // still validate the flag
    const { fields, configBytes } = await imageFields(source, repository, top.manifest, opts);
    return { info: { ...base, ...fields }, manifestBytes: top.bytes, configBytes };
  }
  const index = top.manifest;
  // Attestation manifests (platform unknown/unknown) are not platforms.
  const platforms = index.manifests
    .filter((m) => m.platform && !(m.platform.os === 'unknown' && m.platform.architecture === 'unknown'))
    .map((m) => formatPlatform(m.platform as Platform));
  if (!opts.platform) {
    const info: InspectResult = { ...base, platforms, manifests: index.manifests };
    if (index.annotations) info.annotations = index.annotations;
    return { info, manifestBytes: top.bytes };
  }
  const wanted = parsePlatform(opts.platform);
  const child = selectPlatform(index.manifests, wanted);
  if (!child) {
    throw new LadingError(
      'invalid-input',
      `${repository}:${reference} has no ${opts.platform} image. Available: ${platforms.join(', ') || 'none'}.`,
      { hint: 'Pick one of the listed platforms.' },
    );
  }
  const c = await source.getManifest(repository, digestName(child.digest), opts);
  if (isIndex(c.manifest)) {
    throw new LadingError(
      'protocol-error',
      `The ${opts.platform} entry of ${repository}:${reference} is itself an index; Lading shows one level.`,
      { hint: 'Inspect the nested index by its digest.' },
    );
  }
  const { fields, configBytes } = await imageFields(source, repository, c.manifest, opts);
  return {
    info: {
      ...base,
      digest: c.digest,
      mediaType: c.mediaType,
      size: c.size,
      index: { digest: top.digest, mediaType: top.mediaType },
      ...fields,
    },
    manifestBytes: c.bytes,
    configBytes,
  };
}
