/** The app's sizes, in binary units as registries and `docker images` report them ("512 B", "1.2 GiB"); "—" when unknown. */
import { formatSize } from './sizes';

export function formatBytes(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? '—' : formatSize(bytes, 'binary');
}
