import { useState } from 'react';
import { useConnection } from '../api/queries';
import { Field } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { validateRepository } from '../lib/reference';
import { navigate } from '../state/route';
import { useUi } from '../state/ui';

/** For registries without a catalog (Docker Hub) or a repository the catalog does not show. */
export function OpenRepositoryDialog({
  connectionId,
  onClose,
}: {
  connectionId: string;
  onClose: () => void;
}) {
  const connection = useConnection(connectionId);
  const [name, setName] = useState('');
  const add = useUi((s) => s.addManualRepository);
  const trimmed = name.trim().replace(/^\/+|\/+$/g, '');
  const check = validateRepository(trimmed, connection?.kind === 'dockerhub' ? 'generic' : connection?.kind);
  const open = () => {
    if (check.errors.length) return;
    add(connectionId, trimmed);
    navigate({ screen: 'tags', connectionId, repository: trimmed });
    onClose();
  };
  return (
    <Dialog
      title="Open a repository"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" disabled={check.errors.length > 0} onClick={open}>
            Open
          </button>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <Field
          label="Repository name"
          error={trimmed ? check.errors[0] : undefined}
          hint={connection?.kind === 'dockerhub' ? 'e.g. library/alpine or myname/myapp' : 'e.g. team/app'}
        >
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
        </Field>
      </form>
    </Dialog>
  );
}
