/** `lading inspect REFERENCE`: digest, media type, size, platforms, labels and layers of an image or index. */
import type { Command } from 'commander';
import { type InspectResult, inspectImage } from '../../../core/registry/inspect';
import { LATEST, manifestReference } from '../../../core/registry/names';
import { formatReference, isValidDigest, referenceFromParts } from '../../../core/registry/reference';
import { parsePlatformArg, parseReferenceArg } from '../args';
import { cliContext, print, printJson, registryClient } from '../context';
import { fields, humanSize, shortDigest, table } from '../format';

interface InspectOptions {
  platform?: string;
  json?: boolean;
  raw?: boolean;
}

function platformOf(d: {
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}): string {
  // BuildKit's attestation manifests sit in the index as unknown/unknown: say what they attest instead.
  const attests = d.annotations?.['vnd.docker.reference.digest'];
  if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' && attests) {
    return `attestations for ${shortDigest(attests)}`;
  }
  const p = d.platform;
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function _identifier(reference: string): { tag: string } | { digest: string } {
  return isValidDigest(reference) ? { digest: reference } : { tag: reference };
}

/** The readable summary: what a person wants to see first, then tables. */
export function inspectText(info: InspectResult): string[] {
  const lines = fields([
    ['Reference', formatReference(referenceFromParts(info.registry, info.repository, info.reference))],
    ['Digest', info.digest],
    ['Media type', info.mediaType],
    ['Size', info.totalSize !== undefined ? humanSize(info.totalSize) : humanSize(info.size)],
    ['Index', info.index ? `${info.index.digest} (platform picked from it)` : undefined],
    ['Platforms', info.manifests ? undefined : info.platforms?.join(', ')],
    ['Platform', info.os ? [info.os, info.architecture, info.variant].filter(Boolean).join('/') : undefined],
    ['Created', info.created],
    ['Config', info.config?.digest],
    ['Entrypoint', info.entrypoint ? JSON.stringify(info.entrypoint) : undefined],
    ['Cmd', info.cmd ? JSON.stringify(info.cmd) : undefined],
    ['Working dir', info.workingDir],
    ['User', info.user],
    ['Ports', info.exposedPorts?.join(', ')],
  ]);
  if (info.manifests?.length) {
    lines.push('', 'Manifests:');
    const rows = info.manifests.map((m) => [platformOf(m), m.digest, humanSize(m.size), m.mediaType]);
    lines.push(...table([['PLATFORM', 'DIGEST', 'SIZE', 'MEDIA TYPE'], ...rows]).map((l) => `  ${l}`));
  }
  const labels = Object.entries(info.labels ?? {});
  if (labels.length) {
    lines.push('', 'Labels:');
    lines.push(...labels.map(([k, v]) => `  ${k}=${v}`));
  }
  const annotations = Object.entries(info.annotations ?? {});
  if (annotations.length) {
    lines.push('', 'Annotations:');
    lines.push(...annotations.map(([k, v]) => `  ${k}=${v}`));
  }
  if (info.layers?.length) {
    lines.push('', 'Layers:');
    const rows = info.layers.map((l) => [shortDigest(l.digest), humanSize(l.size), l.mediaType]);
    lines.push(...table([['DIGEST', 'SIZE', 'MEDIA TYPE'], ...rows]).map((l) => `  ${l}`));
  }
  return lines;
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show digest, size, platforms, labels and layers')
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2 or …@sha256:…')
    .option(
      '--platform <os/arch[/variant]>',
      'for a multi-platform index: inspect this platform',
      parsePlatformArg,
    )
    .option('--json', 'print the inspection as JSON')
    .option('--raw', 'print the manifest exactly as the registry sent it')
    .action(async (referenceArg: string, opts: InspectOptions, cmd: Command) => {
      const ref = parseReferenceArg(referenceArg);
      const client = await registryClient(cmd, ref.registry);
      const reference = ref.digest ?? ref.tag ?? LATEST;
      const { signal } = cliContext();
      if (opts.raw) {
        // The stored bytes, unchanged (pipe them to sha256sum to check the digest); with --platform, the
        // chosen platform's manifest.
        const digest = opts.platform
          ? (await inspectImage(client, ref.repository, reference, { platform: opts.platform, signal }))
              .digest
          : reference;
        const manifest = await client.getManifest(ref.repository, manifestReference(digest), { signal });
        cliContext().io.stdout(manifest.bytes.toString('utf8'));
        return;
      }
      const info = await inspectImage(client, ref.repository, reference, { platform: opts.platform, signal });
      if (opts.json) printJson(info);
      else for (const line of inspectText(info)) print(line);
    });
}
