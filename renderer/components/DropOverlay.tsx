import { useEffect, useRef, useState } from 'react';
import { useConnection } from '../api/queries';
import { useRoute } from '../state/route';
import { useUi } from '../state/ui';
import { Icon } from './Icon';

function hasFiles(e: DragEvent): boolean {
  return [...(e.dataTransfer?.types ?? [])].includes('Files');
}

/** Drop archives anywhere in the window: a full-window target appears while files are dragged over. */
export function DropOverlay() {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const openDialog = useUi((s) => s.openDialog);
  const route = useRoute();
  const repository = route.screen === 'tags' || route.screen === 'image' ? route.repository : null;
  const connection = useConnection('connectionId' in route ? route.connectionId : undefined);

  useEffect(() => {
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setOver(true);
    };
    const overFn = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length) openDialog({ kind: 'push', files, paths: [] });
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', overFn);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', overFn);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [openDialog]);

  if (!over) return null;
  return (
    <div className="drop-overlay" aria-hidden="true" data-testid="drop-overlay">
      <div className="drop-card">
        <Icon name="upload" size={40} />
        <div className="drop-title">Drop to push</div>
        <div className="drop-sub">docker save or OCI archives (.tar, .tar.gz, .tar.zst)</div>
        {connection && (
          <div className="drop-target mono">
            → {connection.registry}/{repository ?? '…'}
          </div>
        )}
      </div>
    </div>
  );
}
