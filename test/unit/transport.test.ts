import { describe, expect, it } from 'vitest';
import {
  mediaTypeOf,
  nextLink,
  parseLinks,
  parseRetryAfter,
  parseUploadRange,
} from '../../electron/registry/headers';
import { connectionError } from '../../electron/registry/transport';

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('parses seconds and HTTP dates, capped and never negative', () => {
    expect(parseRetryAfter('5', now)).toBe(5);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('100000', now)).toBe(60);
    expect(parseRetryAfter('100000', now, 10)).toBe(10);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('Link', () => {
  it('finds rel="next" relative and absolute', () => {
    const base = 'http://127.0.0.1:5000/v2/a/tags/list?n=2';
    expect(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"', base)?.href).toBe(
      'http://127.0.0.1:5000/v2/a/tags/list?last=b&n=2',
    );
    expect(nextLink('<https://other.example/v2/_catalog?last=x>; rel=next', base)?.href).toBe(
      'https://other.example/v2/_catalog?last=x',
    );
    expect(nextLink('</first>; rel="first", </n>; rel="next"', base)?.pathname).toBe('/n');
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('</prev>; rel="prev"', base)).toBeUndefined();
  });
  it('parses several rels and parameters', () => {
    expect(parseLinks('<a>; title="x, y"; rel="next last"')).toEqual([{ url: 'a', rel: ['next', 'last'] }]);
  });
});

describe('other headers', () => {
  it('parses upload ranges in both spellings', () => {
    expect(parseUploadRange('0-1023')).toBe(1024);
    expect(parseUploadRange('bytes=0-99')).toBe(100);
    expect(parseUploadRange('junk')).toBeUndefined();
  });
  it('strips content-type parameters', () => {
    expect(mediaTypeOf('application/vnd.oci.image.manifest.v1+json; charset=utf-8')).toBe(
      'application/vnd.oci.image.manifest.v1+json',
    );
    expect(mediaTypeOf(undefined)).toBeUndefined();
  });
  it('names the cause of connection errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const e = connectionError(refused, '127.0.0.1:1');
    expect(e.code).toBe('unreachable');
    expect(e.message).toBe('Cannot reach 127.0.0.1:1: connection refused.');
    const dns = connectionError(
      Object.assign(new Error('x'), { cause: { code: 'ENOTFOUND' } }),
      'nope.invalid',
    );
    expect(dns.message).toMatch(/DNS/);
    expect(
      connectionError(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'h').message,
    ).toMatch(/TLS/);
  });
});
