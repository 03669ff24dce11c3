import { describe, expect, it } from 'vitest';
import {
  digestName,
  isDigest,
  manifestReference,
  repositoryName,
  tagName,
} from '../../electron/core/registry/names';
import { parseReference } from '../../electron/core/registry/reference';

const digest = `sha256:${'a'.repeat(64)}`;

describe('typed reference parts', () => {
  it('checks each part once, with the grammar of references', () => {
    expect(repositoryName('owner/image')).toBe('owner/image');
    expect(tagName('v1.2')).toBe('v1.2');
    expect(digestName(digest)).toBe(digest);
    expect(() => repositoryName('Owner/Image')).toThrow(/must be lowercase/);
    expect(() => repositoryName('a/../b')).toThrow(/Invalid repository name/);
    expect(() => tagName('-x')).toThrow(/Invalid tag/);
    expect(() => digestName('sha256:abc')).toThrow(/Invalid digest/);
  });

  it('tells a digest from a tag by its form, and refuses a malformed digest rather than calling it a tag', () => {
    expect(manifestReference('latest')).toBe('latest');
    expect(manifestReference(digest)).toBe(digest);
    expect(() => manifestReference('sha256:0123')).toThrow(/Invalid digest/);
    expect(() => manifestReference('../../v2/_catalog')).toThrow(/Invalid tag/);
  });

  it('a parsed reference carries the typed parts', () => {
    const ref = parseReference(`ghcr.io/owner/image:1.0@${digest}`);
    expect(isDigest(ref.digest)).toBe(true);
    expect(ref).toMatchObject({ registry: 'ghcr.io', repository: 'owner/image', tag: '1.0', digest });
  });
});
