/** The kinds of registry the add-connection screen offers, and what each needs from the user. */
import type { ConnectionInput, ConnectionKind } from '../../shared/types';

export interface Preset {
  kind: ConnectionKind;
  title: string;
  blurb: string;
  /** Fixed host, or undefined when the user types it. */
  registry?: string;
  githubApiUrl?: string;
  needsOwner: boolean;
  secretLabel: string;
  secretHint: string;
}

export const PRESETS: Preset[] = [
  {
    kind: 'ghcr',
    title: 'GitHub Container Registry',
    blurb: 'ghcr.io: the packages of a user or an organization',
    registry: 'ghcr.io',
    githubApiUrl: 'https://api.github.com',
    needsOwner: true,
    secretLabel: 'Personal access token (classic)',
    secretHint: 'Scopes: read:packages to browse, write:packages to push, delete:packages to delete.',
  },
  {
    kind: 'github-docker',
    title: 'GitHub Packages (Docker)',
    blurb: 'docker.pkg.github.com: the legacy registry, OWNER/REPOSITORY/IMAGE',
    registry: 'docker.pkg.github.com',
    githubApiUrl: 'https://api.github.com',
    needsOwner: true,
    secretLabel: 'Personal access token (classic)',
    secretHint:
      'Scopes: read:packages and repo to browse; write:packages to push; delete:packages to delete.',
  },
  {
    kind: 'dockerhub',
    title: 'Docker Hub',
    blurb: 'docker.io: no catalog, open repositories by name',
    registry: 'docker.io',
    needsOwner: false,
    secretLabel: 'Password or access token',
    secretHint: 'An access token from Docker Hub → Account settings → Personal access tokens.',
  },
  {
    kind: 'ghes',
    title: 'GitHub Enterprise Server',
    blurb: 'Your company’s GitHub: containers.HOST and its API',
    needsOwner: true,
    secretLabel: 'Personal access token (classic)',
    secretHint: 'Scopes: read:packages, write:packages, delete:packages as needed.',
  },
  {
    kind: 'generic',
    title: 'Any registry',
    blurb: 'Distribution, Harbor, Nexus, Artifactory, Zot, a local registry…',
    needsOwner: false,
    secretLabel: 'Password or token',
    secretHint: 'Leave empty for a registry that allows anonymous access.',
  },
];

export function presetFor(kind: ConnectionKind): Preset {
  return PRESETS.find((p) => p.kind === kind) ?? PRESETS[PRESETS.length - 1]!;
}

/** Accepts `https://host:port/anything`, `host:port` or `http://…` (which means insecure). */
export function parseRegistryUrl(input: string): { registry: string; insecure: boolean } | null {
  const trimmed = input.trim();
  if (!trimmed) return null;
  const insecure = /^http:\/\//i.test(trimmed);
  const host = trimmed
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  if (!/^(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host)) return null;
  return { registry: host, insecure };
}

export interface Draft {
  kind: ConnectionKind;
  name: string;
  url: string;
  insecure: boolean;
  username: string;
  secret: string;
  owner: string;
  ownerType: 'org' | 'user';
  githubApiUrl: string;
  useMachineCredentials: boolean;
  /** Send the secret to a token service on another site when the registry names one. */
  allowCrossHostRealm: boolean;
}

export function emptyDraft(kind: ConnectionKind): Draft {
  const p = presetFor(kind);
  return {
    kind,
    name: '',
    url: p.registry ?? '',
    insecure: false,
    username: '',
    secret: '',
    owner: '',
    ownerType: 'org',
    githubApiUrl: p.githubApiUrl ?? '',
    useMachineCredentials: false,
    allowCrossHostRealm: false,
  };
}

/** The draft as the contract's ConnectionInput, or the first thing the user still has to fix. */
export function draftToInput(draft: Draft, id?: string): { input?: ConnectionInput; problem?: string } {
  const p = presetFor(draft.kind);
  const parsed = parseRegistryUrl(p.registry ?? draft.url);
  if (!parsed) return { problem: 'Enter the registry address, e.g. registry.example.com or localhost:5000.' };
  if (p.needsOwner && !draft.owner.trim())
    return { problem: 'Enter the user or organization that owns the packages.' };
  if (draft.kind === 'ghes' && !/^https:\/\/.+/.test(draft.githubApiUrl.trim())) {
    return { problem: 'Enter the API URL, e.g. https://github.example.com/api/v3.' };
  }
  const owner = draft.owner.trim();
  const name =
    draft.name.trim() ||
    (owner
      ? `${owner} @ ${parsed.registry}`
      : parsed.registry === 'docker.io'
        ? 'Docker Hub'
        : parsed.registry);
  const input: ConnectionInput = {
    ...(id ? { id } : {}),
    name,
    kind: draft.kind,
    registry: parsed.registry,
    insecure: draft.insecure || parsed.insecure,
    username: draft.username.trim() || undefined,
    secret: draft.useMachineCredentials ? undefined : draft.secret || undefined,
    useMachineCredentials: draft.useMachineCredentials,
    allowCrossHostRealm: draft.allowCrossHostRealm,
  };
  if (p.needsOwner) {
    input.owner = owner;
    input.ownerType = draft.ownerType;
  }
  const api = (p.githubApiUrl ?? draft.githubApiUrl).trim();
  if (api) input.githubApiUrl = api;
  return { input };
}
