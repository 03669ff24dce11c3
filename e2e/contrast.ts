/**
 * What a person sees of an element: its text colour, the background behind it (the first opaque one up
 * the tree, as painted now: under the pointer, with focus), and the WCAG contrast ratio between them.
 */
import type { Locator } from '@playwright/test';

type Rgba = [number, number, number, number];

function parse(css: string): Rgba {
  const m = css.match(/rgba?\(([^)]+)\)/);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  const [r = 0, g = 0, b = 0, a = 1] = m[1]!
    .split(/[ ,/]+/)
    .filter(Boolean)
    .map(Number);
  return [r, g, b, a];
}

function luminance([r, g, b]: Rgba): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The WCAG 2 contrast ratio of two opaque colours. */
export function contrastRatio(a: string, b: string): number {
  const [x, y] = [luminance(parse(a)), luminance(parse(b))];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

export interface Painted {
  color: string;
  background: string;
  /** The element's own background (may be transparent). */
  ownBackground: string;
  outline: string;
  ratio: number;
}

/** The element's colours as painted right now (text over the nearest opaque background). */
export async function painted(locator: Locator): Promise<Painted> {
  const seen = await locator.evaluate((el) => {
    const style = getComputedStyle(el);
    let node: Element | null = el;
    let background = 'rgb(255, 255, 255)';
    while (node) {
      const bg = getComputedStyle(node).backgroundColor;
      const alpha = bg.startsWith('rgba')
        ? Number(
            bg
              .split(/[ ,/()]+/)
              .filter(Boolean)
              .at(-1),
          )
        : 1;
      if (alpha > 0.5) {
        background = bg;
        break;
      }
      node = node.parentElement;
    }
    return {
      color: style.color,
      background,
      ownBackground: style.backgroundColor,
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    };
  });
  return { ...seen, ratio: contrastRatio(seen.color, seen.background) };
}
