// @vitest-environment jsdom
/**
 * The GitHub panels pass the registry path (OWNER/PACKAGE) to the services unchanged. They used to strip
 * the connection's owner, so in org `acme` the repository `acme/acme/x` (the package `acme/x`) was asked
 * for as `acme/x`, which is the package `x`.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { GithubPackagePanel, GithubVersions } from '../../renderer/screens/GithubPanels';
import type { LadingApi, Result } from '../../shared/contract';
import type { Connection, PackageDetails } from '../../shared/types';

afterEach(() => {
  cleanup();
  setApi(null);
});

const connection: Connection = {
  id: 'c',
  name: 'acme',
  kind: 'ghcr',
  registry: 'ghcr.io',
  insecure: false,
  hasSecret: true,
  credentialSource: 'saved',
  owner: 'acme',
  ownerType: 'org',
  createdAt: '2024-01-01T00:00:00Z',
};

function recordingApi(asked: Array<[string, string]>): LadingApi {
  const details: PackageDetails = {
    name: 'acme/x',
    visibility: 'private',
    htmlUrl: 'https://github.com/orgs/acme/packages/container/package/acme%2Fx',
    settingsUrl: 'https://github.com/orgs/acme/packages/container/acme%2Fx/settings',
    versionCount: 0,
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
    anonymousPull: null,
  };
  return {
    async call(name: string, request: { packageName: string }) {
      asked.push([name, request.packageName]);
      const value = name === 'github.package' ? details : [];
      return { ok: true, value } as Result<never>;
    },
    on: () => () => {},
    resolveFile: async () => ({ ok: false, error: { code: 'x', message: 'x' } }),
  } as unknown as LadingApi;
}

describe('GitHub panels', () => {
  it('ask for the repository path as is, even when the package name starts with the owner', async () => {
    const asked: Array<[string, string]> = [];
    setApi(recordingApi(asked));
    render(
      <QueryClientProvider client={new QueryClient()}>
        <GithubPackagePanel connection={connection} packageName="acme/acme/x" />
        <GithubVersions connection={connection} packageName="acme/acme/x" />
      </QueryClientProvider>,
    );
    await screen.findByRole('group', { name: 'GitHub package' });
    await waitFor(() =>
      expect(asked.map(([name]) => name).sort()).toEqual(['github.package', 'github.versions']),
    );
    expect(asked.every(([, packageName]) => packageName === 'acme/acme/x')).toBe(true);
  });
});
