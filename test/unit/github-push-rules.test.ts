import { describe, expect, it } from 'vitest';
import { firstPushNotice, firstPushNoticeFor, githubPushChecks } from '../../electron/core/github/push-rules';

const GB = 1024 ** 3;

describe('githubPushChecks', () => {
  it('passes a well-labelled ghcr image', () => {
    expect(
      githubPushChecks({
        connectionKind: 'ghcr',
        repository: 'acme/app',
        tag: '1.0',
        labels: {
          'org.opencontainers.image.source': 'https://github.com/acme/app',
          'org.opencontainers.image.description': 'An app',
          'org.opencontainers.image.licenses': 'MIT',
        },
        layerSizes: [1000],
      }),
    ).toEqual({ errors: [], warnings: [] });
  });

  it('refuses uppercase names and oversized layers', () => {
    const r = githubPushChecks({
      connectionKind: 'ghcr',
      repository: 'Acme/App',
      tag: 'x',
      layerSizes: [11 * GB],
    });
    expect(r.errors[0]).toMatch(/lowercase: push to acme\/app/);
    expect(r.errors[1]).toMatch(/10 GB/);
  });

  it('applies docker.pkg.github.com rules: OWNER/REPOSITORY/IMAGE, a tag, no foreign layers, 5 GB', () => {
    const r = githubPushChecks({
      connectionKind: 'github-docker',
      repository: 'acme/app',
      layerSizes: [6 * GB],
      hasForeignLayers: true,
    });
    expect(r.errors.join('\n')).toMatch(/5 GB/);
    expect(r.errors.join('\n')).toMatch(/OWNER\/REPOSITORY\/IMAGE_NAME/);
    expect(r.errors.join('\n')).toMatch(/version tag/);
    expect(r.errors.join('\n')).toMatch(/foreign layers/);
    expect(
      githubPushChecks({ connectionKind: 'github-docker', repository: 'acme/repo/app', tag: '1' }).errors,
    ).toEqual([]);
    // GHES's docker.HOST registry is the legacy one too.
    expect(
      githubPushChecks({ connectionKind: 'ghes', registry: 'docker.git.example.com', repository: 'a/b' })
        .errors,
    ).toHaveLength(2);
  });

  it('warns about labels the package page cannot use', () => {
    const r = githubPushChecks({
      connectionKind: 'ghcr',
      repository: 'acme/app',
      tag: '1',
      labels: {
        'org.opencontainers.image.source': 'git@github.com:acme/app.git',
        'org.opencontainers.image.description': 'x'.repeat(513),
        'org.opencontainers.image.licenses': 'y'.repeat(257),
      },
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings[0]).toMatch(/https URL/);
    expect(r.warnings[1]).toMatch(/513 characters; GitHub shows at most 512/);
    expect(r.warnings[2]).toMatch(/at most 256/);
  });

  it('warns when a multi-platform index lacks the description annotation', () => {
    const r = githubPushChecks({
      connectionKind: 'ghcr',
      repository: 'acme/app',
      tag: '1',
      indexAnnotations: {},
    });
    expect(r.warnings.join()).toMatch(/index has no org.opencontainers.image.description/);
    const ok = githubPushChecks({
      connectionKind: 'ghcr',
      repository: 'acme/app',
      tag: '1',
      indexAnnotations: { 'org.opencontainers.image.description': 'multi' },
    });
    expect(ok.warnings).toEqual([]);
  });

  it('says new packages are private, with the settings link', () => {
    const url = 'https://github.com/orgs/acme/packages/container/app/settings';
    expect(firstPushNotice(url)).toMatch(/private by default/);
    expect(firstPushNotice(url)).toContain(url);
  });

  it('builds the first-push notice from a connection', () => {
    expect(
      firstPushNoticeFor(
        { kind: 'ghcr', registry: 'ghcr.io', owner: 'octocat', ownerType: 'user' },
        'octocat/tools/lint',
      ),
    ).toContain('https://github.com/users/octocat/packages/container/tools%2Flint/settings');
    expect(
      firstPushNoticeFor({ kind: 'ghes', registry: 'containers.git.example.com' }, 'team/app'),
    ).toContain('https://git.example.com/orgs/team/packages/container/app/settings');
  });
});
