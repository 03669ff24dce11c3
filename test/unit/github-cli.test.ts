import { describe, expect, it } from 'vitest';
import { ghConnection } from '../../electron/app/cli/commands/gh';
import { githubApiUrlFor, packageTypeFor } from '../../electron/core/github/hosts';

describe('lading gh connection from flags and environment', () => {
  it('defaults to ghcr.io and api.github.com', () => {
    const c = ghConnection({}, {}, 'acme');
    expect(c).toMatchObject({ kind: 'ghcr', registry: 'ghcr.io', owner: 'acme' });
    expect(githubApiUrlFor(c)).toBe('https://api.github.com');
  });

  it('derives GitHub Enterprise Server from the registry host', () => {
    const c = ghConnection({ registry: 'containers.git.example.com' }, {});
    expect(c.kind).toBe('ghes');
    expect(githubApiUrlFor(c)).toBe('https://git.example.com/api/v3');
    const legacy = ghConnection({ registry: 'docker.pkg.github.com' }, {});
    expect(packageTypeFor(legacy)).toBe('docker');
  });

  it('takes the API base from --github-api, else LADING_GITHUB_API', () => {
    const env = { LADING_GITHUB_API: 'https://env.example.com/api/v3' };
    expect(githubApiUrlFor(ghConnection({ registry: 'git.example.com' }, env))).toBe(
      'https://env.example.com/api/v3',
    );
    expect(githubApiUrlFor(ghConnection({ githubApi: 'https://flag.example.com/api/v3' }, env))).toBe(
      'https://flag.example.com/api/v3',
    );
    expect(() => ghConnection({ githubApi: 'not a url' }, {})).toThrow(/not a URL/);
  });

  it('--user / --org set the owner type', () => {
    expect(ghConnection({ user: true }, {}, 'octocat').ownerType).toBe('user');
    expect(ghConnection({ org: true }, {}, 'acme').ownerType).toBe('org');
    expect(ghConnection({}, {}, 'acme').ownerType).toBeUndefined();
  });
});
