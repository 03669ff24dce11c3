/**
 * A local engine's image dragged from the Local images list onto a connection in the sidebar: its own
 * data type, so the window's archive drop (which looks for Files) ignores it, and a drop target can tell
 * it apart while dragging (only the types are readable before the drop).
 */
import { type EngineKind, EngineKindSchema, type LocalImage, LocalImageSchema } from '../../shared/types';

export const LOCAL_IMAGE_TYPE = 'application/x-lading-local-image';

export interface LocalImageDrag {
  engine: EngineKind;
  image: LocalImage;
}

export function startLocalImageDrag(dt: DataTransfer, drag: LocalImageDrag): void {
  dt.setData(LOCAL_IMAGE_TYPE, JSON.stringify(drag));
  // A plain-text fallback for drops elsewhere (a terminal, an editor): the image's name.
  dt.setData('text/plain', drag.image.tags[0] ?? drag.image.id);
  dt.effectAllowed = 'copy';
}

export function isLocalImageDrag(dt: DataTransfer | null): boolean {
  return [...(dt?.types ?? [])].includes(LOCAL_IMAGE_TYPE);
}

/** The dragged image, or undefined when the drop carries something else (or something malformed). */
export function readLocalImageDrag(dt: DataTransfer | null): LocalImageDrag | undefined {
  try {
    const raw = JSON.parse(dt?.getData(LOCAL_IMAGE_TYPE) || 'null') as Partial<LocalImageDrag> | null;
    const engine = EngineKindSchema.safeParse(raw?.engine);
    const image = LocalImageSchema.safeParse(raw?.image);
    return engine.success && image.success ? { engine: engine.data, image: image.data } : undefined;
  } catch {
    return undefined;
  }
}
