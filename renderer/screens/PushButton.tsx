import { useRef } from 'react';
import { call } from '../api';
import { Icon } from '../components/Icon';
import { useUi } from '../state/ui';

export const ARCHIVE_ACCEPT =
  '.tar,.tar.gz,.tgz,.tar.zst,.tzst,.oci,.gz,.zst,application/x-tar,application/gzip';

/** "Push archive…": the native file dialog in Electron, a file input in a browser. */
export function PushButton() {
  const input = useRef<HTMLInputElement>(null);
  const openDialog = useUi((s) => s.openDialog);
  const toast = useUi((s) => s.toast);
  return (
    <>
      <button
        type="button"
        className="btn primary"
        onClick={async () => {
          try {
            const picked = await call('dialog.openArchives', {});
            if (picked.supported) {
              if (picked.paths.length) openDialog({ kind: 'push', files: [], paths: picked.paths });
              return;
            }
          } catch (error) {
            toast(`File dialog failed: ${(error as Error).message}`, 'error');
          }
          input.current?.click();
        }}
      >
        <Icon name="upload" /> Push archive…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ARCHIVE_ACCEPT}
        hidden
        aria-label="Archive files to push"
        data-testid="push-file-input"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) openDialog({ kind: 'push', files, paths: [] });
        }}
      />
    </>
  );
}
