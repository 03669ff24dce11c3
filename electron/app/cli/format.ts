/** Plain-text output helpers: sizes people can read and aligned tables. */
import { formatSize } from '../../../shared/sizes';

/** 1234567 → "1.2 MB" (decimal units, like docker and skopeo). */
export const humanSize = (bytes: number): string => formatSize(bytes, 'decimal');

/** Rows as left-aligned columns separated by two spaces; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** "Key:  value" lines with the values aligned; undefined values are left out. */
export function fields(pairs: Array<[string, string | undefined]>): string[] {
  const present = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
  const width = Math.max(0, ...present.map(([k]) => k.length + 1));
  return present.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`);
}

/** A long digest shortened for tables: "sha256:0123456789ab". */
export { shortDigest } from '../../../shared/reference-grammar';
