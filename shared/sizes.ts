/**
 * Byte sizes for people. Two conventions, one formatter: decimal units (kB, MB) as docker and skopeo print
 * them in a terminal, and binary units (KiB, MiB) as registries' limits and the app's screens give them.
 */
export type SizeUnits = 'decimal' | 'binary';

const UNITS: Record<SizeUnits, { base: number; names: string[] }> = {
  decimal: { base: 1000, names: ['kB', 'MB', 'GB', 'TB'] },
  binary: { base: 1024, names: ['KiB', 'MiB', 'GiB', 'TiB'] },
};

/** 1234567 → "1.2 MB" (decimal) or "1.2 MiB" (binary); one decimal below 10 (decimal) or 100 (binary). */
export function formatSize(bytes: number, units: SizeUnits): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  const { base, names } = UNITS[units];
  if (bytes < base) return `${bytes} B`;
  let value = bytes / base;
  let unit = 0;
  while (value >= base && unit < names.length - 1) {
    value /= base;
    unit++;
  }
  const oneDecimal = value < (units === 'decimal' ? 10 : 100) && !Number.isInteger(value);
  return `${oneDecimal ? value.toFixed(1) : Math.round(value)} ${names[unit]}`;
}
