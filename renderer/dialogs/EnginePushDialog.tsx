/**
 * "Push to…" an image of a local engine (or one dropped on a connection in the sidebar): choose the
 * connection and the target, checked as the user types with the archive push's rules (GitHub names under
 * the owner, `targetVerdict` for a tag that exists); the engine's docker save streams into `jobs.push`.
 */
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { EngineKind, LocalImage } from '../../shared/types';
import { call } from '../api';
import { useConnections } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { TagCheckNotice, useTagChecks } from '../components/TagCheck';
import { formatBytes, shortDigest } from '../lib/format';
import { engineName, localImageName } from '../lib/local-images';
import { askNotificationPermission } from '../lib/notify';
import { validateRepository, validateTag } from '../lib/reference';
import { defaultTarget, targetVerdict } from '../lib/target';
import { useRoute } from '../state/route';
import { useUi } from '../state/ui';

export function EnginePushDialog({
  engine,
  image,
  connectionId: droppedOn,
  onClose,
}: {
  engine: EngineKind;
  image: LocalImage;
  connectionId?: string;
  onClose: () => void;
}) {
  const route = useRoute();
  const { data: connections = [] } = useConnections();
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const connectionId =
    chosenId ?? droppedOn ?? ('connectionId' in route ? route.connectionId : connections[0]?.id) ?? '';
  const connection = connections.find((c) => c.id === connectionId);
  // Pre-filled for the chosen connection (on GitHub under its owner) until the user types one.
  const [typed, setTyped] = useState<{ repository?: string; tag?: string }>({});
  const prefilled = defaultTarget(image.tags, connection, null);
  const repository = typed.repository ?? prefilled.repository;
  const tag = typed.tag ?? prefilled.tag;
  const [replace, setReplace] = useState(false);

  const repoCheck = validateRepository(repository, connection?.kind, connection?.owner);
  const tagCheck = validateTag(tag);
  const valid = repoCheck.errors.length === 0 && tagCheck.errors.length === 0;
  const checks = useTagChecks(connection?.id, [{ key: 'target', repository, tag, enabled: valid }]);
  const check = checks.target ?? { state: 'idle' as const };
  const verdict = targetVerdict(valid ? check : { state: 'checking' }, replace);
  const name = localImageName(image);

  const push = useMutation({
    mutationFn: () =>
      call('jobs.push', {
        connectionId,
        source: { engine, image: name },
        target: { repository, tag },
      }),
    onSuccess: () => {
      setTransfersOpen(true);
      onClose();
    },
  });

  return (
    <Dialog
      title={`Push ${image.tags[0] ?? shortDigest(image.id)} from ${engineName(engine)}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn primary"
            disabled={!connection || !valid || verdict.blocked || push.isPending}
            onClick={() => {
              askNotificationPermission();
              push.mutate();
            }}
          >
            {push.isPending ? <Spinner label="Starting" /> : null}{' '}
            {verdict.needsReplace ? 'Push and replace' : 'Push'}
          </button>
        </>
      }
    >
      <p className="muted small">
        {image.tags.length > 1 ? `${image.tags.join(', ')} · ` : ''}
        {image.platform ?? 'platform unknown'} · {formatBytes(image.size)} in {engineName(engine)}. Lading
        streams the engine's image straight to the registry; nothing is written to disk.
      </p>
      {connections.length === 0 && <div className="warn">Add a registry connection first.</div>}
      {connections.length > 0 && (
        <Field label="To registry">
          <select
            value={connectionId}
            onChange={(e) => {
              setChosenId(e.target.value);
              // "Replace" was ticked for a tag on the other registry: ask again there.
              setReplace(false);
            }}
          >
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.registry})
              </option>
            ))}
          </select>
        </Field>
      )}
      <div className="row target-row">
        <Field label="Repository" error={repoCheck.errors[0]} hint={repoCheck.warnings[0]}>
          <input
            value={repository}
            onChange={(e) => {
              setTyped((t) => ({ ...t, repository: e.target.value }));
              setReplace(false);
            }}
            aria-invalid={repoCheck.errors.length > 0}
            aria-label="Target repository"
            spellCheck={false}
          />
        </Field>
        <Field label="Tag" error={tagCheck.errors[0]}>
          <input
            value={tag}
            onChange={(e) => {
              setTyped((t) => ({ ...t, tag: e.target.value }));
              setReplace(false);
            }}
            aria-invalid={tagCheck.errors.length > 0}
            aria-label="Target tag"
            spellCheck={false}
          />
        </Field>
      </div>
      {connection && (
        <div className="target-preview mono">
          → {connection.registry}/{repository || '…'}:{tag || '…'}
        </div>
      )}
      <TagCheckNotice
        check={check}
        repository={repository}
        tag={tag}
        replace={replace}
        onReplace={setReplace}
      />
      {push.error && <ErrorBox error={push.error} title="Cannot start the push" />}
    </Dialog>
  );
}
