/** app.info and native integration: file dialogs and opening links (Electron only; the bridge says unsupported). */
import type { Handlers } from '../../../shared/contract';
import { checkExternalUrl as externalUrlRule } from '../../../shared/external-url';
import { LadingError } from '../../core/registry/errors';
import type { ServiceContext } from './context';

/** Only https URLs without userinfo leave the app, and only to the system browser (rule: shared/external-url). */
export function checkExternalUrl(url: string): string {
  const check = externalUrlRule(url);
  if (!check.ok) throw new LadingError('invalid-input', check.message, { hint: check.hint });
  return check.url;
}

export function nativeHandlers(
  ctx: ServiceContext,
): Pick<Handlers, 'app.info' | 'dialog.openArchives' | 'dialog.saveFile' | 'shell.openExternal'> {
  return {
    'app.info': async () => ({
      version: ctx.version,
      mode: ctx.mode,
      platform: process.platform,
      secretStorage: ctx.store.secrets.kind,
    }),
    'dialog.openArchives': async () => {
      if (!ctx.dialogs) return { supported: false, paths: [] };
      const paths = await ctx.dialogs.openArchives();
      // The renderer hands these back to archive.inspect and jobs.push, which read only granted paths.
      for (const path of paths) ctx.readPaths.grant(path);
      return { supported: true, paths };
    },
    'dialog.saveFile': async ({ defaultName }) => {
      if (!ctx.dialogs) return { supported: false, path: null };
      const path = await ctx.dialogs.saveFile(defaultName);
      // The renderer hands this path back to jobs.pull, which writes only to paths granted here.
      if (path) ctx.savePaths.grant(path);
      return { supported: true, path };
    },
    'shell.openExternal': async ({ url }) => {
      const safe = checkExternalUrl(url);
      if (!ctx.openExternal) {
        throw new LadingError('unsupported', 'Opening links is handled by the browser in the web version.', {
          hint: 'Open the link from the page instead.',
        });
      }
      await ctx.openExternal(safe);
      return { ok: true as const };
    },
  };
}
