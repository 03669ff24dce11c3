/** A regular expression a person typed (a tag filter, a retention rule), refused clearly when it does not parse. */
import { LadingError } from '../registry/errors';

const SHELL_HINT =
  'Give a JavaScript regular expression, e.g. "^v\\d+\\.\\d+\\.\\d+$" (quote it for the shell).';

/** `what` names where the pattern came from (`--match`, "The tag filter"); `hint` replaces the CLI's. */
export function parsePattern(pattern: string, what: string, hint = SHELL_HINT): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new LadingError(
      'invalid-input',
      `${what} "${pattern}" is not a valid regular expression: ${(e as Error).message}.`,
      { hint },
    );
  }
}
