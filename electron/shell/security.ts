/**
 * Window hardening that applies to every web contents: no navigation away from app://lading, no new windows
 * (https links go to the system browser), no <webview>, no permission grants.
 */
import { app, type Session, shell, type WebContents } from 'electron';
import { checkExternalUrl } from '../../shared/external-url';
import { CONTENT_SECURITY_POLICY } from '../app/bridge/security';
import { LadingError } from '../core/registry/errors';
import { isAppUrl } from './app-scheme';

export { CONTENT_SECURITY_POLICY };

/** Only https links without userinfo reach the system browser (shared/external-url); others are refused. */
export function openExternalHttps(url: string): Promise<void> {
  const check = checkExternalUrl(url);
  if (!check.ok) return Promise.reject(new LadingError('invalid-input', check.message, { hint: check.hint }));
  return shell.openExternal(check.url);
}

function hardenContents(contents: WebContents): void {
  // Only our own origin (a reload of app://lading/...); everything else is refused, links included.
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // A refused link is simply not opened: the window never navigates either way.
    openExternalHttps(url).catch(() => undefined);
    return { action: 'deny' };
  });
}

export function hardenApp(): void {
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
}

export function hardenSession(session: Session): void {
  // The app needs no camera, notifications permission prompts, geolocation...: refuse everything.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
}
