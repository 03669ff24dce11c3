// biome-ignore-all lint/a11y/useSemanticElements: preset cards are buttons with role radio (two lines of text each)
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { secretWidening } from '../../shared/secret-binding';
import { FILE_STORE_WARNING } from '../../shared/secret-storage';
import type { MachineCredential, VerifyResult } from '../../shared/types';
import { call } from '../api';
import { keys, useAppInfo, useConnections } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { ErrorBox } from '../components/ErrorBox';
import { navigate } from '../state/route';
import {
  type Draft,
  draftToInput,
  emptyDraft,
  PRESETS,
  parseRegistryUrl,
  presetFor,
} from './connection-presets';

const SOURCE_LABEL: Record<MachineCredential['source'], string> = {
  'docker-config': 'Docker config.json',
  'docker-credential-helper': 'Docker credential helper',
  'podman-auth': 'Podman auth.json',
};

function kindForHost(host: string): Draft['kind'] {
  if (host === 'ghcr.io') return 'ghcr';
  if (host === 'docker.pkg.github.com') return 'github-docker';
  if (host === 'docker.io' || host.endsWith('.docker.io')) return 'dockerhub';
  return 'generic';
}

export function VerifyVerdict({ result }: { result: VerifyResult }) {
  return (
    <section className={`verdict ${result.ok ? 'ok' : 'bad'}`} aria-label="Connection check" role="status">
      <div className="verdict-summary">
        <span aria-hidden="true">{result.ok ? '✓' : '✕'}</span> {result.summary}
      </div>
      <ul className="checks">
        {result.checks.map((c) => (
          <li key={c.name} className={c.ok ? 'ok' : 'bad'}>
            <span className="check-mark" aria-hidden="true">
              {c.ok ? '✓' : '✕'}
            </span>
            <span className="check-name">{c.name}</span>
            <span className="check-msg">{c.message}</span>
          </li>
        ))}
      </ul>
      {result.missingScopes.length > 0 && (
        <div className="verdict-scopes">
          Add to your token:{' '}
          {result.missingScopes.map((s) => (
            <code key={s}>{s}</code>
          ))}
        </div>
      )}
    </section>
  );
}

export function ConnectionScreen({ editId }: { editId?: string }) {
  const queryClient = useQueryClient();
  const { data: connections } = useConnections();
  const editing = connections?.find((c) => c.id === editId);
  const [draft, setDraft] = useState<Draft>(() => emptyDraft('ghcr'));
  const [verdict, setVerdict] = useState<VerifyResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const discover = useQuery({ queryKey: keys.discover, queryFn: () => call('connections.discover', {}) });
  const first = connections !== undefined && connections.length === 0;

  useEffect(() => {
    if (!editing) return;
    setDraft({
      ...emptyDraft(editing.kind),
      name: editing.name,
      url: editing.registry,
      insecure: editing.insecure,
      username: editing.username ?? '',
      owner: editing.owner ?? '',
      ownerType: editing.ownerType ?? 'org',
      githubApiUrl: editing.githubApiUrl ?? presetFor(editing.kind).githubApiUrl ?? '',
      useMachineCredentials: editing.credentialSource === 'machine',
      allowCrossHostRealm: editing.allowCrossHostRealm ?? false,
    });
  }, [editing]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setVerdict(null);
    setProblem(null);
  };
  const preset = presetFor(draft.kind);
  const appInfo = useAppInfo();
  // An edit that sends the saved secret somewhere new needs it typed again (the main process insists).
  const pending = editing?.hasSecret ? draftToInput(draft, editId).input : undefined;
  const widening =
    editing && pending && !pending.secret && !pending.useMachineCredentials
      ? secretWidening(editing, { ...pending, insecure: !!pending.insecure })
      : undefined;

  const verify = useMutation({
    mutationFn: async () => {
      const { input, problem } = draftToInput(draft, editId);
      if (!input) throw new Error(problem);
      return call('connections.verify', { draft: input });
    },
    onSuccess: (result) => setVerdict(result),
  });

  const save = useMutation({
    mutationFn: async () => {
      const { input, problem } = draftToInput(draft, editId);
      if (!input) {
        setProblem(problem ?? null);
        return null;
      }
      // Check before saving so a wrong password is caught here, not on the next screen.
      const result = verdict ?? (await call('connections.verify', { draft: input }));
      setVerdict(result);
      if (!result.ok && !verdict) return null;
      return call('connections.save', input);
    },
    onSuccess: async (saved) => {
      if (!saved) return;
      await queryClient.invalidateQueries({ queryKey: keys.connections });
      navigate({ screen: 'repositories', connectionId: saved.id });
    },
  });

  function importMachine(cred: MachineCredential) {
    const host = parseRegistryUrl(cred.registry)?.registry ?? cred.registry;
    const kind = kindForHost(host);
    setDraft({
      ...emptyDraft(kind),
      url: host,
      username: cred.username ?? '',
      useMachineCredentials: true,
    });
    setVerdict(null);
  }

  const busy = verify.isPending || save.isPending;
  // Cancel (and Escape) goes back to where the user came from: the connection being edited, else the
  // first one. The first-run welcome has nowhere to go back to.
  const back = editing ?? connections?.[0];
  const cancel = () => back && navigate({ screen: 'repositories', connectionId: back.id });
  useEffect(() => {
    if (!back) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      if ((e.target as HTMLElement | null)?.closest?.('[role="dialog"]')) return;
      navigate({ screen: 'repositories', connectionId: back.id });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [back]);
  const saveLabel = verdict && !verdict.ok ? 'Save anyway' : 'Save connection';

  return (
    <div className="screen connection-screen">
      <header className="screen-head">
        <div>
          <h1>{editing ? `Edit ${editing.name}` : first ? 'Welcome to Lading' : 'Add a registry'}</h1>
          <p className="sub">
            {first
              ? 'Browse, inspect, push, pull and clean up container images. Start by connecting a registry.'
              : 'Pick the kind of registry, then sign in. Lading checks what your credentials can do.'}
          </p>
        </div>
      </header>

      {discover.data && discover.data.length > 0 && !editing && (
        <section className="found" aria-label="Found on this machine">
          <h2>Found on this machine</h2>
          <ul className="found-list">
            {discover.data.map((c) => (
              <li key={`${c.source}:${c.registry}`}>
                <span className="found-host">{c.registry}</span>
                <span className="found-meta">
                  {c.username ?? 'token'} · {SOURCE_LABEL[c.source]}
                  {c.helper ? ` (${c.helper})` : ''}
                </span>
                <button
                  type="button"
                  className="btn small"
                  onClick={() => importMachine(c)}
                  aria-label={`Use ${c.registry}`}
                >
                  Use
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {discover.error && (
        <ErrorBox error={discover.error} title="Could not read credentials on this machine" />
      )}

      <div className="presets" role="radiogroup" aria-label="Registry kind">
        {PRESETS.map((p) => (
          <button
            type="button"
            key={p.kind}
            role="radio"
            aria-checked={draft.kind === p.kind}
            className={`preset${draft.kind === p.kind ? ' selected' : ''}`}
            onClick={() => {
              // A secret typed for one kind (a GitHub token) is never carried to another registry.
              setDraft((d) => ({ ...emptyDraft(p.kind), username: d.username }));
              setVerdict(null);
            }}
          >
            <span className="preset-title">{p.title}</span>
            <span className="preset-blurb">{p.blurb}</span>
          </button>
        ))}
      </div>

      <form
        className="conn-form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {!preset.registry && (
          <Field
            label={draft.kind === 'ghes' ? 'Registry host' : 'Registry URL'}
            hint={
              draft.kind === 'ghes'
                ? 'containers.HOST with subdomain isolation, else HOST'
                : 'e.g. registry.example.com, localhost:5000, or http://host:5000 for plain HTTP'
            }
          >
            <input
              value={draft.url}
              onChange={(e) => set('url', e.target.value)}
              placeholder={draft.kind === 'ghes' ? 'containers.github.example.com' : 'registry.example.com'}
              spellCheck={false}
              autoComplete="off"
            />
          </Field>
        )}
        {draft.kind === 'ghes' && (
          <Field label="GitHub API URL" hint="https://HOST/api/v3">
            <input
              value={draft.githubApiUrl}
              onChange={(e) => set('githubApiUrl', e.target.value)}
              placeholder="https://github.example.com/api/v3"
              spellCheck={false}
            />
          </Field>
        )}
        {preset.needsOwner && (
          <div className="row">
            <Field label="Owner" hint="The user or organization whose packages to list">
              <input
                value={draft.owner}
                onChange={(e) => set('owner', e.target.value)}
                placeholder="octo-org"
                spellCheck={false}
              />
            </Field>
            <Field label="Owner type">
              <select
                value={draft.ownerType}
                onChange={(e) => set('ownerType', e.target.value as 'org' | 'user')}
              >
                <option value="org">Organization</option>
                <option value="user">User</option>
              </select>
            </Field>
          </div>
        )}
        <div className="row">
          <Field label="Username">
            <input
              value={draft.username}
              onChange={(e) => set('username', e.target.value)}
              autoComplete="username"
              spellCheck={false}
            />
          </Field>
          <Field
            label={preset.secretLabel}
            hint={widening ? `Changing ${widening} needs it typed again.` : preset.secretHint}
          >
            <input
              type="password"
              value={draft.secret}
              onChange={(e) => set('secret', e.target.value)}
              disabled={draft.useMachineCredentials}
              placeholder={widening ? 'type it again' : editing?.hasSecret ? '(unchanged)' : ''}
              autoComplete="current-password"
            />
          </Field>
        </div>
        {appInfo.data?.secretStorage === 'encrypted-file' && !draft.useMachineCredentials && (
          <p className="notice file-store-notice" role="note">
            {`Weaker storage on this system: ${FILE_STORE_WARNING}`}
          </p>
        )}
        <div className="row checks-row">
          <label className="check">
            <input
              type="checkbox"
              checked={draft.useMachineCredentials}
              onChange={(e) => set('useMachineCredentials', e.target.checked)}
            />
            Use the credentials found on this machine (Docker / Podman)
          </label>
          {draft.kind === 'generic' && (
            <label className="check">
              <input
                type="checkbox"
                checked={draft.insecure}
                onChange={(e) => set('insecure', e.target.checked)}
              />
              Plain HTTP or self-signed TLS (insecure)
            </label>
          )}
          {(draft.kind === 'generic' || draft.kind === 'dockerhub') && (
            <label className="check">
              <input
                type="checkbox"
                checked={draft.allowCrossHostRealm}
                onChange={(e) => set('allowCrossHostRealm', e.target.checked)}
              />
              Allow a token service on another site (cross-host token realm) to receive the password
            </label>
          )}
        </div>
        <Field label="Display name" hint="Optional; shown in the sidebar">
          <input value={draft.name} onChange={(e) => set('name', e.target.value)} />
        </Field>

        {problem && (
          <div className="field-error" role="alert">
            {problem}
          </div>
        )}
        {verify.error && <ErrorBox error={verify.error} title="Cannot check this connection" />}
        {save.error && <ErrorBox error={save.error} title="Cannot save this connection" />}
        {verdict && <VerifyVerdict result={verdict} />}

        <div className="form-actions">
          {back && (
            <button type="button" className="btn ghost" onClick={cancel}>
              Cancel
            </button>
          )}
          <button type="button" className="btn" onClick={() => verify.mutate()} disabled={busy}>
            {verify.isPending ? <Spinner label="Checking" /> : null} Check connection
          </button>
          <button
            type="submit"
            className={`btn ${verdict && !verdict.ok ? 'danger' : 'primary'}`}
            disabled={busy}
          >
            {save.isPending ? <Spinner label="Saving" /> : null} {saveLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
