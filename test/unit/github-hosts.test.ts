import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ghesApiUrl,
  ghesHostFromRegistry,
  ghesRegistryHosts,
  githubApiUrlFor,
  githubKindForRegistry,
  githubWebUrlFor,
  packageTypeFor,
} from '../../electron/core/github/hosts';
import {
  legacyRepositoryFor,
  packageSettingsUrl,
  parsePackageRef,
  repositoryFor,
} from '../../electron/core/github/names';
import { LadingError } from '../../electron/core/registry/errors';

describe('GitHub hosts', () => {
  it('derives the REST API base per connection kind', () => {
    expect(githubApiUrlFor({ kind: 'ghcr', registry: 'ghcr.io' })).toBe('https://api.github.com');
    expect(githubApiUrlFor({ kind: 'github-docker', registry: 'docker.pkg.github.com' })).toBe(
      'https://api.github.com',
    );
    // GHES with subdomain isolation: containers.HOST / docker.HOST; without: HOST.
    expect(githubApiUrlFor({ kind: 'ghes', registry: 'containers.git.example.com' })).toBe(
      'https://git.example.com/api/v3',
    );
    expect(githubApiUrlFor({ kind: 'ghes', registry: 'docker.git.example.com' })).toBe(
      'https://git.example.com/api/v3',
    );
    expect(githubApiUrlFor({ kind: 'ghes', registry: 'git.example.com' })).toBe(
      'https://git.example.com/api/v3',
    );
    // Set per connection: wins, trailing slash dropped.
    expect(
      githubApiUrlFor({ kind: 'ghes', registry: 'containers.x.io', githubApiUrl: 'https://api.x.io/v3/' }),
    ).toBe('https://api.x.io/v3');
    expect(() => githubApiUrlFor({ kind: 'generic', registry: 'localhost:5000' })).toThrow(LadingError);
  });

  it('knows the GHES registry hosts and the web base', () => {
    expect(ghesHostFromRegistry('CONTAINERS.Git.Example.com')).toBe('git.example.com');
    expect(ghesApiUrl('git.example.com')).toBe('https://git.example.com/api/v3');
    expect(ghesRegistryHosts('git.example.com')).toEqual({
      containers: 'containers.git.example.com',
      docker: 'docker.git.example.com',
      withoutIsolation: 'git.example.com',
    });
    expect(githubWebUrlFor('https://api.github.com')).toBe('https://github.com');
    expect(githubWebUrlFor('https://git.example.com/api/v3')).toBe('https://git.example.com');
  });

  it('picks the package type: docker for the legacy registries, container otherwise', () => {
    expect(githubKindForRegistry('ghcr.io')).toBe('ghcr');
    expect(githubKindForRegistry('docker.pkg.github.com')).toBe('github-docker');
    expect(githubKindForRegistry('quay.io')).toBeUndefined();
    expect(packageTypeFor({ kind: 'ghcr', registry: 'ghcr.io' })).toBe('container');
    expect(packageTypeFor({ kind: 'github-docker', registry: 'docker.pkg.github.com' })).toBe('docker');
    expect(packageTypeFor({ kind: 'ghes', registry: 'docker.git.example.com' })).toBe('docker');
    expect(packageTypeFor({ kind: 'ghes', registry: 'containers.git.example.com' })).toBe('container');
  });
});

describe('package names', () => {
  it('splits OWNER/PACKAGE at the first slash; packages may contain slashes', () => {
    expect(parsePackageRef('acme/app')).toEqual({ owner: 'acme', name: 'app' });
    expect(parsePackageRef('acme/tools/lint')).toEqual({ owner: 'acme', name: 'tools/lint' });
    expect(parsePackageRef('acme/tools/lint', 'acme')).toEqual({ owner: 'acme', name: 'tools/lint' });
    // Only a name without any slash is the default owner's package; a path always starts with its owner.
    expect(parsePackageRef('app', 'acme')).toEqual({ owner: 'acme', name: 'app' });
    expect(parsePackageRef('tools/lint', 'acme')).toEqual({ owner: 'tools', name: 'lint' });
    expect(() => parsePackageRef('app')).toThrow(/OWNER\/PACKAGE/);
    expect(repositoryFor({ owner: 'Acme', name: 'App' })).toBe('acme/app');
    expect(legacyRepositoryFor('acme', 'image', 'repo')).toBe('acme/repo/image');
  });

  it('never strips an owner prefix that is part of the package name', () => {
    expect(parsePackageRef('acme/x', 'acme')).toEqual({ owner: 'acme', name: 'x' });
    expect(parsePackageRef('acme/acme', 'acme')).toEqual({ owner: 'acme', name: 'acme' });
    expect(parsePackageRef('acme/acme/x', 'acme')).toEqual({ owner: 'acme', name: 'acme/x' });
    expect(parsePackageRef('acme/acme/acme/x')).toEqual({ owner: 'acme', name: 'acme/acme/x' });
    expect(repositoryFor({ owner: 'acme', name: 'acme/x' })).toBe('acme/acme/x');
  });

  it('package ⇄ registry path round-trips for any owner and slashed name', () => {
    const segment = fc.stringMatching(/^[a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?$/);
    fc.assert(
      fc.property(segment, fc.array(segment, { minLength: 1, maxLength: 4 }), (owner, parts) => {
        const ref = { owner, name: parts.join('/') };
        expect(parsePackageRef(repositoryFor(ref))).toEqual(ref);
        // The same with the connection's owner as default: a path keeps its own owner and full name.
        expect(parsePackageRef(repositoryFor(ref), owner)).toEqual(ref);
      }),
    );
  });

  it('links the settings page, names with "/" URL-encoded', () => {
    expect(packageSettingsUrl('https://github.com', 'org', 'acme', 'app')).toBe(
      'https://github.com/orgs/acme/packages/container/app/settings',
    );
    expect(packageSettingsUrl('https://github.com', 'user', 'octocat', 'tools/lint')).toBe(
      'https://github.com/users/octocat/packages/container/tools%2Flint/settings',
    );
  });
});
