/** Screens as addresses (issue #12): every screen's hash URL parses back to the same screen. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route, routeUrl } from '../../renderer/lib/routes';

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const C = '3f2a9c1e-7b4d-4e2a-9f10-0c6d5e4b3a21';

const examples: [Route, string][] = [
  [{ screen: 'welcome' }, '#/'],
  [{ screen: 'add-connection' }, '#/connections/new'],
  [{ screen: 'add-connection', editId: C }, `#/c/${C}/edit`],
  [{ screen: 'repositories', connectionId: C }, `#/c/${C}`],
  [{ screen: 'tags', connectionId: C, repository: 'solo' }, `#/c/${C}/r/solo`],
  [{ screen: 'tags', connectionId: C, repository: 'acme/team/app' }, `#/c/${C}/r/acme/team/app`],
  [
    { screen: 'image', connectionId: C, repository: 'demo/app', reference: 'v1.2.3-rc_1' },
    `#/c/${C}/r/demo/app/t/v1.2.3-rc_1`,
  ],
  [
    { screen: 'image', connectionId: C, repository: 'demo/app', reference: DIGEST },
    `#/c/${C}/r/demo/app/d/${DIGEST}`,
  ],
  [
    {
      screen: 'image',
      connectionId: C,
      repository: 'demo/multi',
      reference: 'latest',
      platform: 'linux/arm64',
    },
    `#/c/${C}/r/demo/multi/t/latest?platform=linux/arm64`,
  ],
  [
    {
      screen: 'image',
      connectionId: C,
      repository: 'demo/multi',
      reference: DIGEST,
      platform: 'linux/arm/v7',
    },
    `#/c/${C}/r/demo/multi/d/${DIGEST}?platform=linux/arm/v7`,
  ],
  // Repository parts named like the markers are escaped, so `t` after `/r/` always starts the reference.
  [{ screen: 'tags', connectionId: C, repository: 'x/t/d' }, `#/c/${C}/r/x/%74/%64`],
  [{ screen: 'image', connectionId: C, repository: 't', reference: 't' }, `#/c/${C}/r/%74/t/t`],
  [
    { screen: 'tags', connectionId: C, repository: 'constructor/__proto__' },
    `#/c/${C}/r/constructor/__proto__`,
  ],
  // Anything else is percent-encoded.
  [{ screen: 'repositories', connectionId: 'a/b c?#' }, '#/c/a%2Fb%20c%3F%23'],
  // A local engine's images.
  [{ screen: 'local', engine: 'docker' }, '#/local/docker'],
  [{ screen: 'local', engine: 'podman' }, '#/local/podman'],
];

describe('route addresses', () => {
  it.each(examples)('%j ⇄ %s', (route, hash) => {
    expect(formatRoute(route)).toBe(hash);
    expect(parseRoute(hash)).toEqual({ route });
    // location.hash without its '#', and a trailing slash, read the same.
    expect(parseRoute(hash.slice(1)).route).toEqual(route);
    if (!hash.includes('?') && hash !== '#/') expect(parseRoute(`${hash}/`).route).toEqual(route);
  });

  it('round-trips any route (property)', () => {
    const text = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
    const part = text.filter((t) => !t.includes('/'));
    const repository = fc.array(part, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    const component = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}$/);
    const platform = fc
      .tuple(component, component, fc.option(component, { nil: undefined }))
      .map(([os, arch, variant]) => [os, arch, variant].filter(Boolean).join('/'));
    const digest = fc
      .tuple(fc.constantFrom('sha256', 'sha512', 'sha256+b64u'), fc.stringMatching(/^[a-f0-9]{8,64}$/))
      .map(([a, h]) => `${a}:${h}`);
    const tag = text.filter((t) => !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(t));
    const route: fc.Arbitrary<Route> = fc.oneof(
      fc.constant<Route>({ screen: 'welcome' }),
      fc.constant<Route>({ screen: 'add-connection' }),
      text.map((editId): Route => ({ screen: 'add-connection', editId })),
      text.map((connectionId): Route => ({ screen: 'repositories', connectionId })),
      fc.record({ screen: fc.constant('tags' as const), connectionId: text, repository }),
      fc.record(
        {
          screen: fc.constant('image' as const),
          connectionId: text,
          repository,
          reference: fc.oneof(tag, digest),
          platform,
        },
        { requiredKeys: ['screen', 'connectionId', 'repository', 'reference'] },
      ),
    );
    fc.assert(
      fc.property(route, (r) => {
        expect(parseRoute(formatRoute(r))).toEqual({ route: r });
      }),
      { numRuns: 2000 },
    );
  });

  it('an empty address is the welcome screen', () => {
    expect(parseRoute('')).toEqual({ route: { screen: 'welcome' } });
    expect(parseRoute('#')).toEqual({ route: { screen: 'welcome' } });
  });

  it.each([
    ['#/nowhere', { screen: 'welcome' }],
    ['#token=s3cret', { screen: 'welcome' }],
    ['#/c', { screen: 'welcome' }],
    ['#/local', { screen: 'welcome' }],
    ['#/local/containerd', { screen: 'welcome' }],
    ['#/local/docker/x', { screen: 'welcome' }],
    ['#/c/%E0%A4%A', { screen: 'welcome' }],
    [`#/c/${C}/x`, { screen: 'repositories', connectionId: C }],
    [`#/c/${C}/r`, { screen: 'repositories', connectionId: C }],
    [`#/c/${C}/r//app`, { screen: 'repositories', connectionId: C }],
    [`#/c/${C}/r/t/latest`, { screen: 'repositories', connectionId: C }],
    [`#/c/${C}/r/demo/app/t`, { screen: 'tags', connectionId: C, repository: 'demo/app' }],
    [`#/c/${C}/r/demo/app/t/a/b`, { screen: 'tags', connectionId: C, repository: 'demo/app' }],
    [`#/c/${C}/r/demo/app/d/latest`, { screen: 'tags', connectionId: C, repository: 'demo/app' }],
    [
      `#/c/${C}/r/demo/app/t/1.0?platform=linux`,
      { screen: 'image', connectionId: C, repository: 'demo/app', reference: '1.0' },
    ],
    [
      `#/c/${C}/r/demo/app/t/1.0?platform=linux/arm64/v8/x`,
      { screen: 'image', connectionId: C, repository: 'demo/app', reference: '1.0' },
    ],
  ] as [string, Route][])('%s is not a screen: the nearest one, with a notice', (hash, nearest) => {
    const parsed = parseRoute(hash);
    expect(parsed.route).toEqual(nearest);
    expect(parsed.notice).toMatch(/showing the nearest screen/);
  });

  it('a platform may be percent-encoded; unknown query parameters are ignored', () => {
    expect(parseRoute(`#/c/${C}/r/demo/multi/t/1.0?platform=linux%2Farm64&x=1`).route).toEqual({
      screen: 'image',
      connectionId: C,
      repository: 'demo/multi',
      reference: '1.0',
      platform: 'linux/arm64',
    });
  });

  it('a link is the page address with only the screen: no query, no token', () => {
    const route: Route = { screen: 'image', connectionId: C, repository: 'demo/app', reference: '1.0' };
    expect(routeUrl(route, { protocol: 'http:', host: '127.0.0.1:4321', pathname: '/' })).toBe(
      `http://127.0.0.1:4321/#/c/${C}/r/demo/app/t/1.0`,
    );
    expect(routeUrl(route, { protocol: 'app:', host: 'lading', pathname: '/index.html' })).toBe(
      `app://lading/index.html#/c/${C}/r/demo/app/t/1.0`,
    );
    expect(routeUrl(route, { protocol: 'file:', host: '', pathname: '/opt/lading/index.html' })).toBe(
      `file:///opt/lading/index.html#/c/${C}/r/demo/app/t/1.0`,
    );
  });
});
