import { describe, expect, it } from 'vitest';
import { tokenGrants } from '../../electron/core/registry/token-claims';

const jwt = (claims: unknown) =>
  ['{"alg":"none"}', JSON.stringify(claims), 'sig']
    .map((p) => Buffer.from(p).toString('base64url'))
    .join('.');

describe('tokenGrants', () => {
  it('reads the access claim for one resource, merging its entries', () => {
    const token = jwt({
      access: [
        { type: 'repository', name: 'team/app', actions: ['pull'] },
        { type: 'repository', name: 'team/other', actions: ['push'] },
        { type: 'repository', name: 'team/app', actions: ['delete', 'pull'] },
      ],
    });
    expect(tokenGrants(token, 'repository', 'team/app')).toEqual(['pull', 'delete']);
  });

  it('an access claim without the resource grants nothing on it', () => {
    expect(tokenGrants(jwt({ access: [] }), 'repository', 'team/app')).toEqual([]);
  });

  it('says nothing for an opaque token or a JWT without an access claim', () => {
    expect(tokenGrants('gho_opaque', 'repository', 'team/app')).toBeUndefined();
    expect(tokenGrants('a.b.c', 'repository', 'team/app')).toBeUndefined();
    expect(tokenGrants(jwt({ sub: 'x' }), 'repository', 'team/app')).toBeUndefined();
  });
});
