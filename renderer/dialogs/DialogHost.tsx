import { useUi } from '../state/ui';
import { CleanupDialog } from './CleanupDialog';
import { CopyDialog } from './CopyDialog';
import { DeleteDialog } from './DeleteDialog';
import { EnginePushDialog } from './EnginePushDialog';
import { OpenRepositoryDialog } from './OpenRepositoryDialog';
import { PullDialog } from './PullDialog';
import { PushDialog } from './PushDialog';
import { RetagDialog } from './RetagDialog';
import { SyncDialog } from './SyncDialog';

export function DialogHost() {
  const dialog = useUi((s) => s.dialog);
  const close = useUi((s) => s.closeDialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'push':
      return <PushDialog files={dialog.files} paths={dialog.paths} onClose={close} />;
    case 'pull':
      return <PullDialog {...dialog} onClose={close} />;
    case 'delete':
      return <DeleteDialog {...dialog} onClose={close} />;
    case 'retag':
      return <RetagDialog {...dialog} onClose={close} />;
    case 'copy':
      return <CopyDialog {...dialog} onClose={close} />;
    case 'sync':
      return <SyncDialog {...dialog} onClose={close} />;
    case 'engine-push':
      return <EnginePushDialog {...dialog} onClose={close} />;
    case 'cleanup':
      return <CleanupDialog {...dialog} onClose={close} />;
    case 'open-repository':
      return <OpenRepositoryDialog connectionId={dialog.connectionId} onClose={close} />;
  }
}
