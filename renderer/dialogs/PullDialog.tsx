import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { pullFileName } from '../../shared/pull-file-name';
import { digestHex12, isDigestReference } from '../../shared/reference-grammar';
import type { EngineKind } from '../../shared/types';
import { call, getApi } from '../api';
import { useConnection, useEngines, useInspect, useJobs } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { engineName, oneEnginePerKind } from '../lib/local-images';
import { askNotificationPermission } from '../lib/notify';
import { parseImageName, validateRepository, validateTag } from '../lib/reference';
import { JobProgress } from '../screens/TransfersPanel';
import { useUi } from '../state/ui';

export function PullDialog({
  connectionId,
  repository,
  reference,
  onClose,
}: {
  connectionId: string;
  repository: string;
  reference: string;
  onClose: () => void;
}) {
  const inspect = useInspect(connectionId, repository, reference);
  const connection = useConnection(connectionId);
  const platforms = (inspect.data?.manifests ?? [])
    .filter((m) => m.platform && m.platform.os !== 'unknown')
    .map(
      (m) =>
        `${m.platform!.os}/${m.platform!.architecture}${m.platform!.variant ? `/${m.platform!.variant}` : ''}`,
    );
  const isIndex = platforms.length > 0;
  const [format, setFormat] = useState<'docker' | 'oci'>('docker');
  const [platform, setPlatform] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  // Where the started pull goes: a file (undefined), or a local engine (no download then).
  const [intoEngine, setIntoEngine] = useState<EngineKind | undefined>();
  const [engineImageName, setEngineImageName] = useState('');
  const engines = oneEnginePerKind(useEngines().data ?? []).filter((e) => !e.error);
  const nameError = localNameError(engineImageName);
  const { data: jobs } = useJobs();
  const job = jobs?.find((j) => j.id === jobId);
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);

  // A docker archive holds one image per platform; "all platforms" needs OCI.
  const allPlatforms = isIndex && platform === '' && format === 'oci';
  const chosenPlatform = isIndex ? platform || (format === 'docker' ? platforms[0] : undefined) : undefined;

  // The name the Download button announces is the name of the file the bridge serves (one rule, shared/).
  const fileName = pullFileName(
    repository,
    reference,
    format,
    allPlatforms ? undefined : (chosenPlatform ?? undefined),
  );

  const start = useMutation({
    mutationFn: async (engine?: EngineKind) => {
      setIntoEngine(engine);
      if (engine) {
        // One platform into the engine: the one chosen, else (all platforms, a single image) the engine's own.
        const { jobId } = await call('jobs.pull', {
          connectionId,
          repository,
          reference,
          format: 'docker',
          platform: allPlatforms ? undefined : chosenPlatform,
          engine: { kind: engine, ...(engineImageName.trim() ? { name: engineImageName.trim() } : {}) },
        });
        return jobId;
      }
      const saved = await call('dialog.saveFile', {
        defaultName: fileName,
      });
      if (saved.supported && !saved.path) return null; // cancelled
      const { jobId } = await call('jobs.pull', {
        connectionId,
        repository,
        reference,
        path: saved.path ?? undefined,
        format,
        platform: allPlatforms ? undefined : chosenPlatform,
        allPlatforms: allPlatforms || undefined,
      });
      return jobId;
    },
    onSuccess: (id) => {
      if (id) setJobId(id);
    },
  });

  const downloadUrl =
    job?.state === 'done' && jobId && !intoEngine ? getApi().downloadUrl?.(jobId) : undefined;

  return (
    <Dialog
      title={`Pull ${repository}${isDigestReference(reference) ? `@${digestHex12(reference)}` : `:${reference}`}`}
      onClose={onClose}
      footer={
        jobId ? (
          <>
            <button
              type="button"
              className="btn ghost"
              onClick={() => {
                setTransfersOpen(true);
                onClose();
              }}
            >
              Show in Transfers
            </button>
            <button type="button" className="btn" onClick={onClose}>
              Close
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn ghost" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="btn primary"
              disabled={start.isPending}
              onClick={() => {
                askNotificationPermission();
                start.mutate(undefined);
              }}
            >
              {start.isPending && !start.variables ? <Spinner label="Starting" /> : null} Pull to file
            </button>
            {engines.map((e) => (
              <button
                key={e.kind}
                type="button"
                className="btn"
                disabled={start.isPending || nameError !== undefined}
                title={`Load into ${e.name} (${e.endpoint})`}
                onClick={() => {
                  askNotificationPermission();
                  start.mutate(e.kind);
                }}
              >
                {start.isPending && start.variables === e.kind ? <Spinner label="Starting" /> : null} Pull to{' '}
                {engineName(e.kind)}
              </button>
            ))}
          </>
        )
      }
    >
      {!jobId && (
        <>
          <fieldset className="radios">
            <legend>Format</legend>
            <label className="check">
              <input
                type="radio"
                name="format"
                checked={format === 'docker'}
                onChange={() => setFormat('docker')}
              />
              Docker archive <span className="muted">(docker load)</span>
            </label>
            <label className="check">
              <input
                type="radio"
                name="format"
                checked={format === 'oci'}
                onChange={() => setFormat('oci')}
              />
              OCI archive <span className="muted">(podman load, skopeo, crane)</span>
            </label>
          </fieldset>
          {!window.lading && (
            <p className="muted small">
              Lading downloads the image, writes the archive, then offers it here as a download.
            </p>
          )}
          {inspect.isLoading && <Spinner label="Reading the manifest" />}
          {isIndex && (
            <Field
              label="Platform"
              hint={
                format === 'docker'
                  ? 'A docker archive holds one platform; choose OCI to keep them all.'
                  : undefined
              }
            >
              <select value={platform} onChange={(e) => setPlatform(e.target.value)}>
                {format === 'oci' && <option value="">All platforms ({platforms.length})</option>}
                {platforms.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </Field>
          )}
          {engines.length > 0 && (
            <Field
              label={`Name in ${engines.map((e) => engineName(e.kind)).join(' or ')} (optional)`}
              error={nameError}
              hint={`${
                isDigestReference(reference)
                  ? 'Empty: pulled by digest, the image is untagged in the engine.'
                  : `Empty: named ${connection?.registry ?? '…'}/${repository}:${reference}, as on the registry.`
              }${allPlatforms ? ' The engine gets its own platform.' : ''}`}
            >
              <input
                value={engineImageName}
                onChange={(e) => setEngineImageName(e.target.value)}
                placeholder="name[:tag]"
                spellCheck={false}
                aria-invalid={nameError !== undefined}
              />
            </Field>
          )}
        </>
      )}
      {start.error && <ErrorBox error={start.error} title="Cannot start the pull" />}
      {job && (
        <div className="pull-status">
          <JobProgress job={job} />
          {downloadUrl && (
            <a className="btn primary" href={downloadUrl} download={fileName}>
              Download {fileName}
            </a>
          )}
          {job.state === 'done' && !downloadUrl && (
            <div className="ok-line">{job.resultMessage ?? 'Saved.'}</div>
          )}
        </div>
      )}
    </Dialog>
  );
}

/** Why a name typed for the engine (NAME[:TAG]) cannot be used, or undefined (empty is fine: the reference's). */
export function localNameError(name: string): string | undefined {
  const trimmed = name.trim();
  if (!trimmed) return undefined;
  if (trimmed.includes('@')) return 'A name for the engine takes a tag, not a digest: name[:tag].';
  const parsed = parseImageName(trimmed);
  const repo = validateRepository(parsed.repository);
  if (repo.errors.length > 0) return repo.errors[0];
  if (parsed.tag !== undefined) return validateTag(parsed.tag).errors[0];
  return undefined;
}
