/** Inline SVG icons (no icon font, nothing fetched). Decorative: the button around them carries the name. */
const PATHS = {
  copy: 'M9 9h10v10H9zM5 15V5h10',
  download: 'M12 4v11m-5-5 5 5 5-5M5 20h14',
  upload: 'M12 20V9m-5 5 5-5 5 5M5 4h14',
  send: 'M4 12h12m-5-5 5 5-5 5M20 5v14',
  tag: 'M3 12V4h8l9 9-8 8zM7.5 7.5h.01',
  trash: 'M4 7h16M9 7V4h6v3m-9 0 1 13h10l1-13',
  terminal: 'M4 6l5 5-5 5M11 18h9',
  refresh: 'M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7',
  x: 'M6 6l12 12M18 6 6 18',
  check: 'M5 12l5 5 9-10',
  external: 'M14 4h6v6m0-6-9 9M19 14v6H4V5h6',
  sun: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2m0 16v2M4.9 4.9l1.4 1.4m11.4 11.4 1.4 1.4M2 12h2m16 0h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4',
  moon: 'M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z',
  auto: 'M12 3a9 9 0 1 0 0 18zM12 3a9 9 0 0 1 0 18',
  transfers: 'M7 4v14m-4-4 4 4 4-4M17 20V6m-4 4 4-4 4 4',
  plus: 'M12 5v14M5 12h14',
  box: 'M12 3l8 4.5v9L12 21l-8-4.5v-9zM4 7.5l8 4.5 8-4.5M12 12v9',
  more: 'M5 12h.01M12 12h.01M19 12h.01',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16 }: { name: IconName; size?: number }) {
  return (
    <svg
      className="icon-svg"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
