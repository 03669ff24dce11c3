import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LadingError } from '../../electron/core/registry/errors';
import { parsePlatform, selectPlatform } from '../../electron/core/registry/inspect';
import type { Reference } from '../../electron/core/registry/reference';
import {
  formatReference,
  isLegacyGitHubDocker,
  isLoopbackRegistry,
  parseReference,
  parseRepository,
  referenceFromParts,
  registryBaseUrl,
} from '../../electron/core/registry/reference';

const D = `sha256:${'a'.repeat(64)}`;

function errorOf(fn: () => unknown): LadingError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LadingError);
    return e as LadingError;
  }
  throw new Error('expected an error');
}

describe('parseReference', () => {
  it('normalises Docker Hub names', () => {
    expect(parseReference('alpine')).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
    expect(parseReference('alpine:3.20')).toEqual({
      registry: 'docker.io',
      repository: 'library/alpine',
      tag: '3.20',
    });
    expect(parseReference('index.docker.io/foo/bar')).toEqual({
      registry: 'docker.io',
      repository: 'foo/bar',
    });
    expect(parseReference('docker.io/nginx').repository).toBe('library/nginx');
    expect(parseReference('user/app').registry).toBe('docker.io');
  });

  it('detects hosts by dot, colon or localhost', () => {
    expect(parseReference('ghcr.io/owner/image:1.0')).toEqual({
      registry: 'ghcr.io',
      repository: 'owner/image',
      tag: '1.0',
    });
    expect(parseReference('localhost/a')).toEqual({ registry: 'localhost', repository: 'a' });
    expect(parseReference('myhost:5000/a')).toEqual({ registry: 'myhost:5000', repository: 'a' });
    expect(parseReference('127.0.0.1:5000/x/y')).toEqual({ registry: '127.0.0.1:5000', repository: 'x/y' });
    expect(parseReference('[::1]:5000/x').registry).toBe('[::1]:5000');
  });

  it('handles port, tag and digest together', () => {
    expect(parseReference(`localhost:5000/a/b:tag@${D}`)).toEqual({
      registry: 'localhost:5000',
      repository: 'a/b',
      tag: 'tag',
      digest: D,
    });
    expect(parseReference(`localhost:5000/a/b@${D}`)).toEqual({
      registry: 'localhost:5000',
      repository: 'a/b',
      digest: D,
    });
    expect(parseReference(`ghcr.io/o/i@sha512:${'b'.repeat(128)}`).digest).toBe(`sha512:${'b'.repeat(128)}`);
  });

  it('uses the default registry for bare names', () => {
    expect(parseReference('team/app:1', { defaultRegistry: 'localhost:5000' })).toEqual({
      registry: 'localhost:5000',
      repository: 'team/app',
      tag: '1',
    });
    expect(parseReference('app', { defaultRegistry: 'ghcr.io' }).repository).toBe('app');
  });

  it('refuses uppercase names and suggests the lowercase form', () => {
    const e = errorOf(() => parseReference('ghcr.io/Owner/Image:Tag'));
    expect(e.code).toBe('invalid-reference');
    expect(e.message).toMatch(/lowercase/);
    expect(e.hint).toContain('ghcr.io/owner/image');
  });

  it('refuses bad tags and digests, naming the offending part', () => {
    expect(errorOf(() => parseReference('a/b:-bad')).message).toContain('"-bad"');
    expect(errorOf(() => parseReference(`a/b:${'x'.repeat(129)}`)).code).toBe('invalid-reference');
    expect(errorOf(() => parseReference('a/b:ta$g')).message).toContain('ta$g');
    expect(errorOf(() => parseReference('a/b@sha256:abc')).message).toContain('sha256:abc');
    expect(errorOf(() => parseReference(`a/b@sha256:${'A'.repeat(64)}`)).code).toBe('invalid-reference');
    expect(parseReference(`a/b:${'x'.repeat(128)}`).tag).toHaveLength(128);
    expect(parseReference('a/b:_under.score-1').tag).toBe('_under.score-1');
  });

  it('refuses bad names', () => {
    expect(errorOf(() => parseReference('ghcr.io/a//b')).message).toMatch(/empty path component/);
    expect(errorOf(() => parseReference('ghcr.io/a/-b')).message).toContain('"-b"');
    expect(errorOf(() => parseReference('ghcr.io/')).code).toBe('invalid-reference');
    expect(errorOf(() => parseReference('')).code).toBe('invalid-reference');
    expect(parseReference('ghcr.io/a__b/c-d.e_f').repository).toBe('a__b/c-d.e_f');
  });

  it('limits host + name to 255 characters', () => {
    const long = `ghcr.io/${'a'.repeat(250)}`;
    expect(errorOf(() => parseReference(long)).message).toMatch(/255/);
  });

  it('requires OWNER/REPOSITORY/IMAGE on docker.pkg.github.com', () => {
    expect(errorOf(() => parseReference('docker.pkg.github.com/owner/image:1')).message).toMatch(
      /OWNER\/REPOSITORY\/IMAGE/,
    );
    const ok = parseReference('docker.pkg.github.com/owner/repo/image:1');
    expect(isLegacyGitHubDocker(ok)).toBe(true);
    expect(isLegacyGitHubDocker(parseReference('ghcr.io/a/b'))).toBe(false);
  });
});

describe('parseRepository / formatReference', () => {
  it('parses repositories without tag or digest', () => {
    expect(parseRepository('localhost:5000/a/b')).toEqual({ registry: 'localhost:5000', repository: 'a/b' });
    expect(errorOf(() => parseRepository('a/b:tag')).code).toBe('invalid-reference');
    expect(errorOf(() => parseRepository(`a/b@${D}`)).code).toBe('invalid-reference');
  });

  it('round-trips', () => {
    for (const s of [`localhost:5000/a/b:tag@${D}`, 'ghcr.io/o/i:1', 'docker.io/library/alpine']) {
      expect(formatReference(parseReference(s))).toBe(s);
    }
  });
});

describe('registry addresses', () => {
  it('knows loopback hosts', () => {
    for (const r of ['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]:5000'])
      expect(isLoopbackRegistry(r)).toBe(true);
    for (const r of ['ghcr.io', '10.0.0.1:5000', 'localhost.example.com', '128.0.0.1'])
      expect(isLoopbackRegistry(r)).toBe(false);
  });

  it('picks the scheme and Docker Hub API host', () => {
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('registry.lan:5000', true)).toBe('http://registry.lan:5000');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
  });
});

describe('platforms', () => {
  it('parses os/arch[/variant] with common aliases', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(() => parsePlatform('linux')).toThrow(/os\/arch/);
    expect(() => parsePlatform('linux//v8')).toThrow(LadingError);
  });

  it('selects an index child, treating arm64 as arm64/v8', () => {
    const d = (architecture: string, variant?: string) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${architecture}${variant ?? ''}`,
      size: 1,
      platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
    });
    const manifests = [d('amd64'), d('arm64', 'v8'), d('arm', 'v6'), d('arm', 'v7')];
    expect(selectPlatform(manifests, parsePlatform('linux/arm64'))?.digest).toBe('sha256:arm64v8');
    expect(selectPlatform([d('arm64')], parsePlatform('linux/arm64/v8'))?.digest).toBe('sha256:arm64');
    expect(selectPlatform(manifests, parsePlatform('linux/arm/v6'))?.digest).toBe('sha256:armv6');
    expect(selectPlatform(manifests, parsePlatform('linux/arm'))?.digest).toBe('sha256:armv7');
    expect(selectPlatform(manifests, parsePlatform('windows/amd64'))).toBeUndefined();
  });
});

describe('reference properties', () => {
  const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)?$/).filter((s) => s.length <= 20);
  const host = fc.constantFrom(
    'ghcr.io',
    'localhost:5000',
    '127.0.0.1:5000',
    'registry.example.com',
    'quay.io',
  );
  const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/);
  const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`);

  it('formats and parses back to the same reference', () => {
    fc.assert(
      fc.property(
        host,
        fc.array(component, { minLength: 1, maxLength: 4 }),
        fc.option(tag),
        fc.option(digest),
        (h, parts, t, d) => {
          const ref = {
            registry: h,
            repository: parts.join('/'),
            ...(t ? { tag: t } : {}),
            ...(d ? { digest: d } : {}),
          };
          // fast-check draws only names the grammar accepts.
          expect(parseReference(formatReference(ref as Reference))).toEqual(ref);
        },
      ),
    );
  });

  it('only ever throws invalid-reference', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          const r = parseReference(s);
          expect(r.repository).toBe(r.repository.toLowerCase());
        } catch (e) {
          expect(e).toBeInstanceOf(LadingError);
          expect((e as LadingError).code).toBe('invalid-reference');
        }
      }),
    );
  });
});

describe('references with userinfo', () => {
  it('are refused without repeating what came before "@"', () => {
    for (const input of [
      'u:pw-sekrit@ghcr.io/a/b',
      'https://u:pw-sekrit@ghcr.io/a/b:1',
      'pw-sekrit@host:5000/x',
    ]) {
      const e = (() => {
        try {
          parseReference(input);
        } catch (err) {
          return err as LadingError;
        }
        throw new Error(`accepted ${input}`);
      })();
      expect(e.code).toBe('invalid-reference');
      expect(`${e.message} ${e.hint}`).not.toContain('pw-sekrit');
      expect(e.message).toMatch(/username or password/);
    }
    expect(() => parseRepository('u:pw-sekrit@ghcr.io/a/b')).toThrow(/username or password/);
  });
});

describe('referenceFromParts', () => {
  it('builds a typed reference from parts, each checked, with no string round trip', () => {
    expect(referenceFromParts('GHCR.io', 'acme/app', '1.2')).toEqual({
      registry: 'ghcr.io',
      repository: 'acme/app',
      tag: '1.2',
    });
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(referenceFromParts('index.docker.io', 'library/nginx', digest)).toEqual({
      registry: 'docker.io',
      repository: 'library/nginx',
      digest,
    });
    expect(() => referenceFromParts('ghcr.io', 'Acme/App', '1')).toThrow(/lowercase/);
    expect(() => referenceFromParts('ghcr.io', 'acme/app', '-bad')).toThrow(/Invalid tag/);
  });
});
