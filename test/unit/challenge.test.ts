import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findChallenge, parseChallenges } from '../../electron/core/registry/challenge';

describe('parseChallenges', () => {
  it('parses a Docker token challenge', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' },
      },
    ]);
  });

  it('keeps commas, spaces and host:port inside quoted values', () => {
    const [c] = parseChallenges(
      'Bearer realm="http://127.0.0.1:9000/auth",service="registry",scope="repository:localhost:5000/a/b:pull,push repository:c:pull",error="insufficient_scope"',
    );
    expect(c?.params.scope).toBe('repository:localhost:5000/a/b:pull,push repository:c:pull');
    expect(c?.params.error).toBe('insufficient_scope');
    expect(c?.params.realm).toBe('http://127.0.0.1:9000/auth');
  });

  it('parses several challenges in one header and across headers', () => {
    const cs = parseChallenges(
      'Basic realm="GitHub Package Registry", Bearer realm="https://x/token", service="x"',
    );
    expect(cs.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(cs[1]?.params).toEqual({ realm: 'https://x/token', service: 'x' });
    const arr = parseChallenges(['Negotiate abc==', 'basic realm=simple']);
    expect(arr).toEqual([
      { scheme: 'negotiate', params: { token68: 'abc==' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('unescapes quoted-pairs and tolerates odd spacing and case', () => {
    const [c] = parseChallenges('BEARER  Realm = "a \\"quoted\\" realm" ,  Service=svc');
    expect(c).toEqual({ scheme: 'bearer', params: { realm: 'a "quoted" realm', service: 'svc' } });
  });

  it('handles empty and schemes without params', () => {
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('Basic')).toEqual([{ scheme: 'basic', params: {} }]);
    expect(findChallenge(parseChallenges('Basic, Bearer realm="r"'), 'Bearer')?.params.realm).toBe('r');
  });
});

describe('challenge properties', () => {
  it('reads back any quoted parameter values', () => {
    const value = fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(value, value, (realm, scope) => {
        const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
        const header = `Bearer realm=${quote(realm)},service="svc",scope=${quote(scope)}, Basic realm=${quote(realm)}`;
        const cs = parseChallenges(header);
        expect(cs).toHaveLength(2);
        expect(cs[0]?.params).toEqual({ realm, service: 'svc', scope });
        expect(cs[1]).toEqual({ scheme: 'basic', params: { realm } });
      }),
    );
  });
});
