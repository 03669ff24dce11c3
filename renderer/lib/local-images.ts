/**
 * The Local images list as the screen shows it: the engine's images filtered as the user types (every
 * word must appear in a tag, the id or the platform), newest first, and what the screen says when the
 * engine cannot be used. Pure, so the unit tests cover it without an engine.
 */
import type { EngineKind, EngineSummary, LocalImage } from '../../shared/types';

const ENGINE_NAMES: Record<EngineKind, string> = { docker: 'Docker', podman: 'Podman' };

export function engineName(kind: EngineKind): string {
  return ENGINE_NAMES[kind];
}

/**
 * One entry per engine kind: Podman may answer on two sockets (rootless and rootful); the app, like a
 * transfer (`openEngine`), uses the first that works, else the first tried.
 */
export function oneEnginePerKind(summaries: EngineSummary[]): EngineSummary[] {
  const kinds = [...new Set(summaries.map((s) => s.kind))];
  return kinds.map((kind) => {
    const all = summaries.filter((s) => s.kind === kind);
    return all.find((s) => !s.error) ?? all[0]!;
  });
}

/** What names the image to the engine: its first tag, else its id (an untagged image). */
export function localImageName(image: Pick<LocalImage, 'tags' | 'id'>): string {
  return image.tags[0] ?? image.id;
}

/** The images whose tags, id or platform hold every word of `filter` (case-insensitive), newest first. */
export function filterLocalImages(images: LocalImage[], filter: string): LocalImage[] {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const hay = (i: LocalImage) =>
    [...i.tags, i.id.replace(/^sha256:/, ''), i.platform ?? ''].join('\n').toLowerCase();
  return images
    .filter((i) => words.length === 0 || words.every((w) => hay(i).includes(w)))
    .sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || a.id.localeCompare(b.id));
}

/** The headline over an engine's error: not running, not allowed, or another reason not to use it. */
export function engineProblemTitle(summary: Pick<EngineSummary, 'kind' | 'error'>): string {
  const name = engineName(summary.kind);
  switch (summary.error?.code) {
    case 'unreachable':
      return `${name} is not running`;
    case 'denied':
      return `Lading may not use ${name}'s socket`;
    case 'unsupported':
      return `${name} speaks another API version`;
    default:
      return `Cannot list ${name}'s images`;
  }
}

/** The sidebar's line under an engine: how many images, or in a word why there are none to show. */
export function engineStatusLine(summary: Pick<EngineSummary, 'images' | 'error'> | undefined): string {
  if (!summary) return 'not found';
  if (summary.error?.code === 'unreachable') return 'not running';
  if (summary.error?.code === 'denied') return 'permission denied';
  if (summary.error) return 'cannot be used';
  const n = summary.images.length;
  return `${n.toLocaleString()} image${n === 1 ? '' : 's'}`;
}
