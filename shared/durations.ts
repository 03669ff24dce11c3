/**
 * Durations as people type them for retention rules ("30d", "12h", "2w", "1w3d"; s, m for minutes, h, d,
 * w): one rule for the app's live check and the main side's refusal.
 */
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** The duration in milliseconds, or undefined when `text` is not one. */
export function durationMs(text: string): number | undefined {
  const t = text.trim();
  if (!/^(?:\d+[smhdw])+$/.test(t)) return undefined;
  return (t.match(/\d+[smhdw]/g) ?? []).reduce(
    (ms, p) => ms + Number(p.slice(0, -1)) * (UNIT_MS[p.slice(-1)] as number),
    0,
  );
}
