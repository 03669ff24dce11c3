/** archive.inspect: what is inside an archive before it is pushed. */
import type { Handlers } from '../../../shared/contract';
import type { ArchiveSource } from '../../../shared/types';
import { inspectArchive } from '../../core/archive/inspect';
import { LadingError } from '../../core/registry/errors';
import type { ServiceContext } from './context';

/**
 * The file an archive source names, for archive.inspect and jobs.push. The bridge's page may name only files
 * it uploaded; the Electron renderer only files the user picked in the open dialog or dropped on the window
 * (`ctx.readPaths`), so a compromised renderer cannot have any readable file uploaded to a registry.
 */
export function resolveArchiveSource(
  ctx: ServiceContext,
  source: ArchiveSource,
): { path: string; fileName?: string; uploadId?: string } {
  const resolved = ctx.uploads.resolve(source, { uploadsOnly: ctx.mode === 'bridge' });
  if (ctx.mode === 'electron' && resolved.uploadId === undefined && !ctx.readPaths.has(resolved.path)) {
    throw new LadingError(
      'invalid-input',
      'Lading reads only archives you picked in the file dialog or dropped on the window.',
      { hint: 'Choose the archive with "Push archive…" or drop it on the window, then push again.' },
    );
  }
  return resolved;
}

export function archiveHandlers(ctx: ServiceContext): Pick<Handlers, 'archive.inspect'> {
  return {
    'archive.inspect': async ({ source }) => {
      const resolved = resolveArchiveSource(ctx, source);
      const summary = await inspectArchive(resolved.path);
      // An upload's temp file name means nothing to the user; show the name of the file they dropped.
      return resolved.fileName ? { ...summary, fileName: resolved.fileName } : summary;
    },
  };
}
