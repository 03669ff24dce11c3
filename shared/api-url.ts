/**
 * The rule for a GitHub REST API base URL (a connection's `githubApiUrl`, `lading gh --github-api`): the
 * token travels to it, so it must be https, with no username or password in it. Plain http is allowed on
 * loopback only, for tests and local stand-ins.
 */

/** localhost, 127.0.0.0/8 and ::1, as URL hostnames give them. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why `url` cannot be a GitHub API URL, in words for the user; undefined when it can. */
export function githubApiUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The GitHub API URL is not a URL; give one such as https://api.github.com or https://HOST/api/v3.';
  }
  if (parsed.username || parsed.password) {
    return 'The GitHub API URL must not contain a username or password; the token is sent separately.';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHostname(parsed.hostname)) return undefined;
  return `The GitHub API URL must use https:// (the token is sent to it); ${parsed.protocol}// is allowed only for loopback addresses.`;
}
