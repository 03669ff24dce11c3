/** A regular expression a person types in the app (sync's tag pattern, clean-up's rules). */

/** The tag pattern's error, as the main side would refuse it, or undefined when it parses (or is empty). */
export function patternError(pattern: string): string | undefined {
  if (!pattern) return undefined;
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return `Not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
}
