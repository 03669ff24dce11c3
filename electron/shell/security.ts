/**
 * Window hardening that applies to every web contents: no navigation away from the app, no new windows
 * (https links go to the system browser), no <webview>, no permission grants.
 */
import { app, type Session, shell, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../app/bridge/security';

export { CONTENT_SECURITY_POLICY };

export function isHttpsUrl(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

export function openExternalHttps(url: string): Promise<void> {
  if (!isHttpsUrl(url)) return Promise.resolve();
  return shell.openExternal(url);
}

function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalHttps(url);
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
