/**
 * Which links may leave the app for the system browser: https only, and no userinfo
 * (`https://good.com@evil.com` reads as good.com but opens evil.com). One copy for the main process
 * (services' `shell.openExternal`, the shell's window-open handler) and the renderer's ExternalLink.
 */
export type ExternalUrlCheck =
  | { ok: true; url: string; host: string }
  | { ok: false; reason: 'not-a-url' | 'not-https' | 'userinfo'; message: string; hint: string };

export function checkExternalUrl(value: string | undefined): ExternalUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL((value ?? '').trim());
  } catch {
    return {
      ok: false,
      reason: 'not-a-url',
      message: 'That is not a URL.',
      hint: 'Links must be https URLs.',
    };
  }
  if (parsed.protocol !== 'https:') {
    return {
      ok: false,
      reason: 'not-https',
      message: `Refusing to open a ${parsed.protocol.replace(':', '')} link.`,
      hint: 'Only https links are opened in the browser.',
    };
  }
  if (parsed.username || parsed.password || /^https:\/\/[^/?#]*@/i.test((value ?? '').trim())) {
    return {
      ok: false,
      reason: 'userinfo',
      message: `Refusing to open a link with a user name or password before its host (it goes to ${parsed.host}).`,
      hint: 'Links with "name@" before the host can disguise where they go; open the host directly.',
    };
  }
  return { ok: true, url: parsed.toString(), host: parsed.host };
}

/** Does a link's visible text already name where it goes (the host, or a URL on that host)? */
export function textNamesHost(text: string, host: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === host.toLowerCase()) return true;
  for (const candidate of [t, `https://${t}`]) {
    try {
      const u = new URL(candidate);
      if (!u.username && !u.password && u.host === host.toLowerCase()) return true;
    } catch {
      // not a URL: keep looking
    }
  }
  return false;
}
