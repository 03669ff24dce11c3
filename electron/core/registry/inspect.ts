/**
 * `lading inspect`: one object describing an image or an index, the way skopeo inspect / crane config do,
 * with per-platform resolution for indexes.
 */
import type { RegistryClient } from './client';
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
  layers?: { digest: string; size: number; mediaType: string }[];
  /** Compressed size: config + layers. */
  totalSize?: number;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  user?: string;
  exposedPorts?: string[];
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
  client: RegistryClient,
  repository: string,
  manifest: ImageManifest,
  opts: CallOptions,
): Promise<Partial<InspectResult>> {
  const layers = manifest.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType }));
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
  if (!isImageConfig(manifest.config.mediaType)) return out; // an artifact: its config is not an image config
  const { config } = await client.getConfig(repository, manifest.config, opts);
  const c = config.config ?? {};
  out.labels = c.Labels ?? {};
  if (config.created) out.created = config.created;
  if (config.architecture) out.architecture = config.architecture;
  if (config.os) out.os = config.os;
  if (config.variant) out.variant = config.variant;
  if (config.history) out.history = config.history;
  if (c.Env) out.env = c.Env;
  if (c.Entrypoint) out.entrypoint = c.Entrypoint;
  if (c.Cmd) out.cmd = c.Cmd;
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.User) out.user = c.User;
  if (c.ExposedPorts) out.exposedPorts = Object.keys(c.ExposedPorts);
  return out;
}

export async function inspectImage(
  client: RegistryClient,
  repository: string,
  reference: string,
  opts: InspectOptions = {},
): Promise<InspectResult> {
  const top = await client.getManifest(repository, reference, opts);
  const base: InspectResult = {
    registry: client.registry,
    repository,
    reference,
    digest: top.digest,
    mediaType: top.mediaType,
    size: top.size,
  };
  if (!isIndex(top.manifest)) {
    if (opts.platform) parsePlatform(opts.platform); // still validate the flag
    return { ...base, ...(await imageFields(client, repository, top.manifest, opts)) };
  }
  const index = top.manifest;
  const platforms = index.manifests
    .filter((m) => m.platform && !(m.platform.os === 'unknown' && m.platform.architecture === 'unknown'))
    .map((m) => formatPlatform(m.platform as Platform));
  if (!opts.platform) {
    const result: InspectResult = { ...base, platforms, manifests: index.manifests };
    if (index.annotations) result.annotations = index.annotations;
    return result;
  }
  const wanted = parsePlatform(opts.platform);
  const child = selectPlatform(index.manifests, wanted);
  if (!child) {
    throw new LadingError(
      'invalid-input',
      `${repository}:${reference} has no ${opts.platform} image. Available: ${platforms.join(', ') || 'none'}.`,
      {
        hint: 'Pick one of the listed platforms with --platform.',
      },
    );
  }
  const c = await client.getManifest(repository, child.digest, opts);
  if (isIndex(c.manifest))
    throw new LadingError(
      'protocol-error',
      `The ${opts.platform} entry of ${repository}:${reference} is itself an index.`,
    );
  return {
    ...base,
    digest: c.digest,
    mediaType: c.mediaType,
    size: c.size,
    index: { digest: top.digest, mediaType: top.mediaType },
    ...(await imageFields(client, repository, c.manifest, opts)),
  };
}
