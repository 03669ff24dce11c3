/**
 * The engine's local images: GET /images/json for the list, GET /images/{id}/json for each one's platform
 * (the list does not carry it before API 1.47's containerd `Manifests`).
 */
import type { LocalImage } from '../../../shared/types';
import type { EngineClient } from './engine-client';

export type { LocalImage };

interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
}

interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  Os?: string;
  Architecture?: string;
  Variant?: string;
}

const INSPECT_AT_ONCE = 8;

/** Dangling `<none>:<none>` entries are left out of tags and digests, as `docker images` shows them. */
const real = (names: string[] | null | undefined) => (names ?? []).filter((n) => !n.startsWith('<none>'));

export async function listLocalImages(engine: EngineClient, signal?: AbortSignal): Promise<LocalImage[]> {
  const list = await engine.json<ImageSummary[]>('/images/json', { signal });
  const images: LocalImage[] = list.map((s) => ({
    id: s.Id,
    tags: real(s.RepoTags),
    digests: real(s.RepoDigests),
    size: s.Size,
    created: new Date(s.Created * 1000).toISOString(),
  }));
  let next = 0;
  const worker = async () => {
    while (next < images.length) {
      const img = images[next++] as LocalImage;
      const inspected = await inspectLocalImage(engine, img.id, signal).catch(() => undefined);
      if (inspected?.Os && inspected.Architecture)
        img.platform = [inspected.Os, inspected.Architecture, inspected.Variant].filter(Boolean).join('/');
    }
  };
  await Promise.all(Array.from({ length: Math.min(INSPECT_AT_ONCE, images.length) }, worker));
  return images.sort((a, b) => b.created.localeCompare(a.created) || a.id.localeCompare(b.id));
}

/**
 * The engine's inspect of one image; an image-not-found error names it when it is not there. The name goes
 * into the path as the docker CLI sends it (slashes and colons as they are: the route takes them).
 */
export async function inspectLocalImage(
  engine: EngineClient,
  name: string,
  signal?: AbortSignal,
): Promise<ImageInspect> {
  return engine.json<ImageInspect>(`/images/${encodeURI(name)}/json`, { signal, image: name });
}
