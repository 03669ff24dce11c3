import { describe, expect, it } from 'vitest';
import { nameTheUpload } from '../../renderer/api/errors';
import { describeDelete } from '../../renderer/dialogs/DeleteDialog';
import { plural } from '../../renderer/lib/format';
import { groupRepositories, sortRepositories } from '../../renderer/lib/group';
import { packageMetadata } from '../../renderer/lib/labels';
import { parseImageName, pullCommand, validateRepository, validateTag } from '../../renderer/lib/reference';
import { buildTagRows, clickSelection } from '../../renderer/lib/tags';
import {
  defaultTarget,
  repositoryFromFileName,
  suggestRepositoryName,
  targetVerdict,
} from '../../renderer/lib/target';
import type { TagDetail } from '../../shared/types';

describe('reference validation', () => {
  it('refuses uppercase and suggests the lowercase name', () => {
    expect(validateRepository('Acme/App').errors[0]).toMatch(/lowercase: try “acme\/app”/);
  });
  it('accepts the distribution grammar and rejects bad separators', () => {
    expect(validateRepository('a/b-c/d__e.f').errors).toEqual([]);
    expect(validateRepository('a//b').errors).not.toEqual([]);
    expect(validateRepository('-a').errors).not.toEqual([]);
    expect(validateRepository('a/').errors).not.toEqual([]);
  });
  it('applies GitHub naming rules', () => {
    expect(validateRepository('app', 'ghcr').errors[0]).toMatch(/OWNER\/IMAGE_NAME/);
    expect(validateRepository('acme/app', 'github-docker').errors[0]).toMatch(/three parts/);
    expect(validateRepository('acme/repo/app', 'github-docker').errors).toEqual([]);
    expect(validateRepository('other/app', 'ghcr', 'Acme').warnings[0]).toMatch(
      /not the connection's owner “acme”/,
    );
  });
  it('checks the tag grammar', () => {
    expect(validateTag('v1.2.3_rc-1').errors).toEqual([]);
    expect(validateTag('.hidden').errors).not.toEqual([]);
    expect(validateTag('-x').errors).not.toEqual([]);
    expect(validateTag('a'.repeat(129)).errors).not.toEqual([]);
    expect(validateTag('').errors).not.toEqual([]);
  });
  it('splits image names with and without a registry host', () => {
    expect(parseImageName('ghcr.io/acme/app:1.2')).toEqual({
      host: 'ghcr.io',
      repository: 'acme/app',
      tag: '1.2',
    });
    expect(parseImageName('localhost:5000/app')).toEqual({
      host: 'localhost:5000',
      repository: 'app',
      tag: undefined,
    });
    expect(parseImageName('app:latest')).toEqual({ repository: 'app', tag: 'latest' });
  });
  it('writes pull commands by tag and by digest', () => {
    expect(pullCommand('ghcr.io', 'acme/app', '1.0')).toBe('docker pull ghcr.io/acme/app:1.0');
    expect(pullCommand('ghcr.io', 'acme/app', `sha256:${'a'.repeat(64)}`)).toBe(
      `docker pull ghcr.io/acme/app@sha256:${'a'.repeat(64)}`,
    );
  });
});

describe('push target pre-fill', () => {
  it('prefers the repository on screen, keeping the archive tag', () => {
    expect(defaultTarget(['docker.io/x/y:2.0'], undefined, 'team/app')).toEqual({
      repository: 'team/app',
      tag: '2.0',
    });
  });
  it('uses the RepoTag without its host, and puts GitHub images under the owner', () => {
    expect(defaultTarget(['docker.io/dropped/app:2.0'], undefined, null)).toEqual({
      repository: 'dropped/app',
      tag: '2.0',
    });
    expect(defaultTarget(['app:1'], { registry: 'ghcr.io', kind: 'ghcr', owner: 'Acme' }, null)).toEqual({
      repository: 'acme/app',
      tag: '1',
    });
    expect(defaultTarget([], undefined, null)).toEqual({ repository: '', tag: 'latest' });
  });
  it('reads an OCI ref name that is only a tag as the tag, never as the repository', () => {
    // skopeo copy … oci-archive:app.tar:1.0 writes org.opencontainers.image.ref.name = "1.0".
    expect(defaultTarget(['1.0'], undefined, 'team/app', 'app.tar')).toEqual({
      repository: 'team/app',
      tag: '1.0',
    });
    expect(defaultTarget(['1.0'], undefined, null, 'My Tool.tar.gz')).toEqual({
      repository: 'my-tool',
      tag: '1.0',
    });
    expect(defaultTarget(['1.0'], undefined, null, '!!!.tar')).toEqual({ repository: '', tag: '1.0' });
    expect(defaultTarget(['1.0'], undefined, null)).toEqual({ repository: '', tag: '1.0' });
    expect(defaultTarget([], undefined, null, 'tool.oci.tar')).toEqual({ repository: 'tool', tag: 'latest' });
  });
});

describe('name suggestions', () => {
  it('suggests a valid repository name', () => {
    expect(suggestRepositoryName('Bad Name')).toBe('bad-name');
    expect(suggestRepositoryName('Acme/My App!')).toBe('acme/my-app');
    expect(suggestRepositoryName('a__b.c--d')).toBe('a__b.c--d');
    expect(suggestRepositoryName('-x-/')).toBe('x');
    expect(suggestRepositoryName('***')).toBe('');
    expect(repositoryFromFileName('/tmp/Release_2.tgz')).toBe('release_2');
  });
  it('suggests valid names in its messages', () => {
    expect(validateRepository('Bad Name').errors.join(' ')).toContain('“bad-name”');
    expect(validateRepository('Bad Name').errors.join(' ')).not.toContain('“bad name”');
  });
});

describe('writing over an existing tag', () => {
  const d = { tag: '1.0', digest: 'sha256:aa', mediaType: 'm', isIndex: false, platforms: [], size: 1 };
  it('waits for the check, needs Replace for an existing tag, and refuses a no-op', () => {
    expect(targetVerdict({ state: 'checking' }, false).blocked).toBe(true);
    expect(targetVerdict({ state: 'free' }, false)).toEqual({
      blocked: false,
      needsReplace: false,
      alreadyThere: false,
    });
    expect(targetVerdict({ state: 'exists', detail: d }, false)).toMatchObject({
      blocked: true,
      needsReplace: true,
    });
    expect(targetVerdict({ state: 'exists', detail: d }, true).blocked).toBe(false);
    expect(targetVerdict({ state: 'exists', detail: d }, true, 'sha256:aa')).toMatchObject({
      blocked: true,
      alreadyThere: true,
    });
    expect(targetVerdict({ state: 'unknown', message: 'x' }, false).blocked).toBe(false);
  });
});

function detail(tag: string, digest: string, created?: string): TagDetail {
  return { tag, digest, mediaType: 'm', isIndex: false, platforms: ['linux/amd64'], size: 1, created };
}

describe('tag rows', () => {
  const details = new Map<string, TagDetail>([
    ['old', detail('old', 'sha256:aa', '2023-01-01T00:00:00Z')],
    ['new', detail('new', 'sha256:bb', '2024-01-01T00:00:00Z')],
    ['latest', detail('latest', 'sha256:bb', '2024-01-01T00:00:00Z')],
  ]);
  const tags = ['old', 'new', 'latest', 'pending'];

  it('sorts by created, newest first, unknown last, siblings adjacent and bracketed', () => {
    const rows = buildTagRows(tags, details, '', 'created');
    expect(rows.map((r) => r.tag)).toEqual(['latest', 'new', 'old', 'pending']);
    expect(rows.map((r) => r.groupPosition)).toEqual(['first', 'last', 'single', 'single']);
    expect(rows[0]!.siblings).toBe(2);
  });
  it('sorts by name in natural order', () => {
    const rows = buildTagRows(['v10', 'v9', 'v1'], new Map(), '', 'name', false);
    expect(rows.map((r) => r.tag)).toEqual(['v1', 'v9', 'v10']);
  });
  it('filters by words and digest prefix', () => {
    expect(buildTagRows(tags, details, 'ne', 'created').map((r) => r.tag)).toEqual(['new']);
    const byDigest = new Map([['x', detail('x', 'sha256:abcd1234')]]);
    expect(buildTagRows(['x', 'y'], byDigest, 'abcd', 'created').map((r) => r.tag)).toEqual(['x']);
  });
  it('handles 10,000 tags quickly', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `build-${i}`);
    const map = new Map(
      many.map((t, i) => [
        t,
        detail(
          t,
          `sha256:${(i % 2500).toString(16).padStart(8, '0')}`,
          new Date(1e12 + (i % 2500) * 1e6).toISOString(),
        ),
      ]),
    );
    const t0 = performance.now();
    const rows = buildTagRows(many, map, '', 'created');
    const sortMs = performance.now() - t0;
    const t1 = performance.now();
    const filtered = buildTagRows(many, map, 'build-99', 'created');
    const filterMs = performance.now() - t1;
    expect(rows).toHaveLength(10_000);
    expect(rows[0]!.siblings).toBe(4);
    expect(rows.slice(0, 4).every((r) => r.detail?.digest === rows[0]!.detail?.digest)).toBe(true);
    expect(filtered.length).toBe(111);
    expect(sortMs).toBeLessThan(400);
    expect(filterMs).toBeLessThan(200);
  });
});

describe('selection', () => {
  const order = ['a', 'b', 'c', 'd'];
  it('click selects one, Ctrl toggles, Shift selects a range', () => {
    let s = clickSelection(order, new Set(), null, 'b', { shift: false, toggle: false });
    expect([...s.selection]).toEqual(['b']);
    s = clickSelection(order, s.selection, s.anchor, 'd', { shift: true, toggle: false });
    expect([...s.selection].sort()).toEqual(['b', 'c', 'd']);
    s = clickSelection(order, s.selection, s.anchor, 'c', { shift: false, toggle: true });
    expect([...s.selection].sort()).toEqual(['b', 'd']);
  });
});

describe('repository grouping and package metadata', () => {
  it('groups and filters 10,000 repositories quickly', () => {
    const repos = Array.from({ length: 10_000 }, (_, i) => ({ name: `team-${i % 50}/service-${i}` }));
    const t0 = performance.now();
    const rows = groupRepositories(repos, '');
    const filtered = groupRepositories(repos, 'service-999');
    const ms = performance.now() - t0;
    expect(rows.filter((r) => r.type === 'group')).toHaveLength(50);
    expect(
      filtered.filter((r) => r.type === 'repo').map((r) => (r.type === 'repo' ? r.repo.name : '')),
    ).toContain('team-49/service-999');
    expect(ms).toBeLessThan(300);
  });

  it('groups by namespace only when there is more than one', () => {
    const rows = groupRepositories([{ name: 'b/x' }, { name: 'a/y' }, { name: 'solo' }], '');
    expect(rows.map((r) => (r.type === 'group' ? `#${r.namespace}` : r.repo.name))).toEqual([
      '#',
      'solo',
      '#a',
      'a/y',
      '#b',
      'b/x',
    ]);
    expect(groupRepositories([{ name: 'a/x' }, { name: 'a/y' }], '').every((r) => r.type === 'repo')).toBe(
      true,
    );
  });
  it('flags long descriptions, long licenses, non-https sources and a missing index description', () => {
    const meta = packageMetadata({
      registry: 'r',
      repository: 'x',
      reference: '1',
      digest: 'sha256:1',
      mediaType: 'application/vnd.oci.image.index.v1+json',
      size: 1,
      manifests: [{ mediaType: 'm', digest: 'sha256:2', size: 1 }],
      labels: {
        'org.opencontainers.image.licenses': 'MIT OR '.repeat(40),
        'org.opencontainers.image.source': 'http://example.com',
      },
      rawManifest: '{}',
      warnings: [],
    });
    expect(meta.warnings.map((w) => w.key).sort()).toEqual([
      'org.opencontainers.image.description',
      'org.opencontainers.image.licenses',
      'org.opencontainers.image.source',
    ]);
  });
});

describe('repository list sorting', () => {
  const repos = [
    { name: 'a/old', versionCount: 3, updatedAt: '2024-01-01T00:00:00Z' },
    { name: 'b/new', versionCount: 1, updatedAt: '2025-06-01T00:00:00Z' },
    { name: 'c/unknown' },
  ];
  it('sorts by count and by last push, unknown last, flat', () => {
    expect(
      sortRepositories(repos, '', 'tags', new Map()).map((r) => r.type === 'repo' && r.repo.name),
    ).toEqual(['a/old', 'b/new', 'c/unknown']);
    expect(
      sortRepositories(repos, '', 'updated', new Map()).map((r) => r.type === 'repo' && r.repo.name),
    ).toEqual(['b/new', 'a/old', 'c/unknown']);
  });
  it('uses the tag counts loaded so far for generic registries', () => {
    const generic = [{ name: 'x' }, { name: 'y' }, { name: 'z' }];
    const counts = new Map([
      ['y', 150],
      ['z', 3],
    ]);
    expect(
      sortRepositories(generic, '', 'tags', counts).map((r) => r.type === 'repo' && r.repo.name),
    ).toEqual(['y', 'z', 'x']);
    expect(sortRepositories(generic, 'z', 'tags', counts)).toHaveLength(1);
  });
});

describe('words for what happened', () => {
  it('names a browser upload by the dropped file, never its temp path', () => {
    const message =
      'The archive /tmp/lading-transfers-Ab12/uploads/AbCdEfGhIjKlMnOpQrStUvWx.upload cannot be read: bad tar.';
    expect(nameTheUpload(message, 'My App.tar')).toBe('The archive My App.tar cannot be read: bad tar.');
    expect(nameTheUpload('C:\\Temp\\x\\uploads\\AbCdEfGhIjKl.upload is empty', 'a.tar')).toBe(
      'a.tar is empty',
    );
  });
  it('says what a delete removes', () => {
    const d = `sha256:${'0123456789ab'.padEnd(64, '0')}`;
    expect(describeDelete([], [d], new Map([[d, ['latest', '1.1']]]))).toBe(
      'image 0123456789ab (tags 1.1, latest)',
    );
    expect(describeDelete(['gone'], [], new Map())).toBe('tag gone');
    expect(describeDelete(['a', 'b'], [], new Map())).toBe('2 tags: a, b');
  });
  it('counts in words', () => {
    expect(plural(1, 'layer')).toBe('1 layer');
    expect(plural(2, 'match', 'matches')).toBe('2 matches');
  });
});
