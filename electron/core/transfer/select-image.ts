import type { ArchiveContents, ArchiveImage, ArchiveManifestImage } from '../archive/formats';
import { imageLabel } from '../archive/formats';
import { LadingError } from '../registry/errors';
import { formatPlatform, type Platform } from '../registry/manifest';

/** "docker.io/library/app:1" and "app:1" name the same image; ref names may be just a tag ("1"). */
function nameForms(name: string): string[] {
  const forms = new Set([name]);
  let n = name.replace(/^docker\.io\//, '');
  forms.add(n);
  n = n.replace(/^library\//, '');
  forms.add(n);
  if (!/[:@]/.test(n.slice(n.lastIndexOf('/') + 1))) forms.add(`${n}:latest`);
  return [...forms];
}

function matches(img: ArchiveImage, wanted: string): boolean {
  const want = new Set(nameForms(wanted));
  if (img.names.some((n) => nameForms(n).some((f) => want.has(f)))) return true;
  const digest = img.kind === 'index' ? img.descriptor.digest : img.configDigest;
  return wanted.startsWith('sha256:') && digest.startsWith(wanted);
}

/** Parses OS/ARCH[/VARIANT]. */
export function parsePlatformString(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new LadingError(
      'invalid-input',
      `Invalid platform "${text}": expected OS/ARCH or OS/ARCH/VARIANT.`,
      {
        hint: 'For example linux/amd64 or linux/arm64/v8.',
      },
    );
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have) return false;
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  const hv = have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined);
  return hv === want.variant;
}

export interface Selection {
  image: ArchiveImage;
  /** Set when one platform of an index was picked. */
  child?: ArchiveManifestImage;
}

/** Picks the image to push: by --image, or the only one; then by --platform within an index. */
export function selectImage(
  contents: ArchiveContents,
  archive: string,
  image?: string,
  platform?: string,
): Selection {
  const images = contents.images;
  const choices = images.map(imageLabel).join(', ');
  let picked: ArchiveImage | undefined;
  if (image) {
    const found = images.filter((i) => matches(i, image));
    if (found.length === 0) {
      throw new LadingError(
        'invalid-input',
        `The archive ${archive} has no image named ${image}; it has: ${choices}.`,
        {
          hint: 'Pass one of these names with --image.',
        },
      );
    }
    picked = found[0];
  } else if (images.length === 1) {
    picked = images[0];
  } else {
    throw new LadingError(
      'invalid-input',
      `The archive ${archive} holds ${images.length} images; pick one with --image: ${choices}.`,
      {
        hint: `For example --image ${imageLabel(images[0] as ArchiveImage)}`,
      },
    );
  }
  const img = picked as ArchiveImage;
  if (!platform) return { image: img };
  const want = parsePlatformString(platform);
  if (img.kind === 'index') {
    const child = img.children.find((c) =>
      platformMatches(c.platform ?? c.manifest?.descriptor.platform, want),
    );
    if (!child) {
      const have = img.children.map((c) => (c.platform ? formatPlatform(c.platform) : 'unknown')).join(', ');
      throw new LadingError(
        'invalid-input',
        `The image ${imageLabel(img)} has no ${platform} platform in this archive; it has: ${have}.`,
        {
          hint: 'Pick one of the listed platforms with --platform.',
        },
      );
    }
    return { image: img, child };
  }
  if (!platformMatches(img.platform, want)) {
    throw new LadingError(
      'invalid-input',
      `The image ${imageLabel(img)} is ${img.platform ? formatPlatform(img.platform) : 'of unknown platform'}, not ${platform}.`,
      { hint: 'Leave out --platform, or pick the image built for that platform.' },
    );
  }
  return { image: img };
}
