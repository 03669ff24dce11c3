/** archive.inspect: what is inside an archive before it is pushed. */
import type { Handlers } from '../../shared/contract';
import { inspectArchive } from '../archive/inspect';
import type { ServiceContext } from './context';

export function archiveHandlers(ctx: ServiceContext): Pick<Handlers, 'archive.inspect'> {
  return {
    'archive.inspect': async ({ source }) => {
      const resolved = ctx.uploads.resolve(source, { uploadsOnly: ctx.mode === 'bridge' });
      const summary = await inspectArchive(resolved.path);
      // An upload's temp file name means nothing to the user; show the name of the file they dropped.
      return resolved.fileName ? { ...summary, fileName: resolved.fileName } : summary;
    },
  };
}
