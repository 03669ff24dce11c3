import { describe, expect, it } from 'vitest';
import { isGitHubRegistry, patScopeFor } from '../../electron/core/registry/auth';
import {
  CATALOG_SCOPE,
  mergeScopes,
  operationScope,
  parseScope,
  parseScopes,
  repositoryScope,
  scopeCovers,
  scopeKey,
  withChallengeScopes,
} from '../../electron/core/registry/scope';

describe('scopes', () => {
  it('builds repository and operation scopes', () => {
    expect(repositoryScope('a/b', ['pull', 'push'])).toBe('repository:a/b:pull,push');
    expect(repositoryScope('a/b', ['pull', 'pull'])).toBe('repository:a/b:pull');
    expect(operationScope('a/b', 'pull')).toBe('repository:a/b:pull');
    expect(operationScope('a/b', 'push')).toBe('repository:a/b:pull,push');
    expect(operationScope('a/b', 'delete')).toBe('repository:a/b:pull,delete');
    expect(CATALOG_SCOPE).toBe('registry:catalog:*');
  });

  it('parses names containing host:port and resource classes', () => {
    expect(parseScope('repository:localhost:5000/a/b:pull,push')).toEqual({
      resourceType: 'repository',
      resourceName: 'localhost:5000/a/b',
      actions: ['pull', 'push'],
    });
    expect(parseScope('repository(plugin):vieux/sshfs:pull')).toEqual({
      resourceType: 'repository',
      resourceClass: 'plugin',
      resourceName: 'vieux/sshfs',
      actions: ['pull'],
    });
    expect(parseScope(CATALOG_SCOPE)).toEqual({
      resourceType: 'registry',
      resourceName: 'catalog',
      actions: ['*'],
    });
    expect(parseScope('nonsense')).toBeUndefined();
    expect(parseScopes('repository:a:pull  repository:b:push')).toHaveLength(2);
  });

  it('merges actions per resource', () => {
    expect(mergeScopes(['repository:a:pull', 'repository:b:pull', 'repository:a:push,pull'])).toEqual([
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
    expect(scopeCovers(['repository:a:pull,push'], 'repository:a:push')).toBe(true);
    expect(scopeCovers(['repository:a:pull'], 'repository:a:push')).toBe(false);
  });

  it('puts missing challenge scopes first', () => {
    expect(withChallengeScopes(['repository:a:pull'], ['repository:b:pull'])).toEqual([
      'repository:b:pull',
      'repository:a:pull',
    ]);
    expect(withChallengeScopes(['repository:a:pull'], ['repository:a:pull'])).toEqual(['repository:a:pull']);
  });

  it('keys token caches by the sorted scope set', () => {
    expect(scopeKey(['repository:b:push,pull', 'repository:a:pull'])).toBe(
      scopeKey(['repository:a:pull', 'repository:b:pull,push']),
    );
  });
});

describe('GitHub scope hints', () => {
  it('maps token scopes to classic PAT scopes', () => {
    expect(patScopeFor('repository:o/i:pull')).toBe('read:packages');
    expect(patScopeFor('repository:o/i:pull,push')).toBe('write:packages');
    expect(patScopeFor('repository:o/i:pull,delete')).toBe('delete:packages');
    expect(patScopeFor(undefined)).toBe('read:packages');
  });
  it('recognises GitHub registry hosts', () => {
    for (const h of ['ghcr.io', 'docker.pkg.github.com', 'containers.octo.ghe.com'])
      expect(isGitHubRegistry(h)).toBe(true);
    for (const h of ['quay.io', '127.0.0.1:5000', 'docker.io']) expect(isGitHubRegistry(h)).toBe(false);
  });
});
