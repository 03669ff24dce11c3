/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1). A header may carry several challenges separated by commas,
 * and parameter values may be quoted strings containing commas, spaces, escaped quotes and `host:port`
 * (e.g. `scope="repository:localhost:5000/a/b:pull,push"`), so splitting on commas is not enough.
 */
export interface Challenge {
  /** Lowercased scheme: "basic", "bearer", or anything else the server sent. */
  scheme: string;
  /** Parameter names lowercased; a bare token68 is stored under "token68". */
  params: Record<string, string>;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

class Scanner {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(offset = 0): string {
    return this.s[this.pos + offset] ?? '';
  }
  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  skipSpaceAndCommas(): void {
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',') this.pos++;
  }
  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  quoted(): string {
    // Assumes peek() === '"'. An unterminated string takes the rest of the header.
    this.pos++;
    let out = '';
    while (!this.done) {
      const c = this.peek();
      if (c === '\\' && this.pos + 1 < this.s.length) {
        out += this.s[this.pos + 1];
        this.pos += 2;
      } else if (c === '"') {
        this.pos++;
        return out;
      } else {
        out += c;
        this.pos++;
      }
    }
    return out;
  }
  /** True when the text at the cursor is `token OWS "="` but not `token "=="` (i.e. an auth-param). */
  atParam(): boolean {
    let i = this.pos;
    while (i < this.s.length && TCHAR.test(this.s[i] as string)) i++;
    if (i === this.pos) return false;
    while (this.s[i] === ' ' || this.s[i] === '\t') i++;
    return this.s[i] === '=' && this.s[i + 1] !== '=';
  }
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseChallenges(h));
  const sc = new Scanner(header);
  const challenges: Challenge[] = [];
  while (true) {
    sc.skipSpaceAndCommas();
    if (sc.done) break;
    const scheme = sc.token();
    if (scheme === '') {
      sc.pos++; // garbage character: skip it rather than loop forever
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    sc.skipSpace();
    // token68 form: "Negotiate abc==" (no name=value pairs).
    if (!sc.atParam() && TOKEN68_CHAR.test(sc.peek())) {
      const start = sc.pos;
      while (!sc.done && TOKEN68_CHAR.test(sc.peek())) sc.pos++;
      while (sc.peek() === '=') sc.pos++;
      challenge.params.token68 = header.slice(start, sc.pos);
      continue;
    }
    // auth-params until something that is not `name=`, which starts the next challenge.
    while (true) {
      sc.skipSpaceAndCommas();
      if (sc.done || !sc.atParam()) break;
      const name = sc.token().toLowerCase();
      sc.skipSpace();
      sc.pos++; // '='
      sc.skipSpace();
      const value = sc.peek() === '"' ? sc.quoted() : sc.token();
      challenge.params[name] = value;
    }
  }
  return challenges;
}

/** The first challenge with the given scheme (case-insensitive), if any. */
export function findChallenge(challenges: Challenge[], scheme: string): Challenge | undefined {
  const wanted = scheme.toLowerCase();
  return challenges.find((c) => c.scheme === wanted);
}
