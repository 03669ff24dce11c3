/**
 * e2e fixtures: one real docker-registry (open) and one with htpasswd auth, seeded with umoci/skopeo images,
 * the renderer built with vite, and the browser bridge started the way `lading serve` starts it. The page
 * opens the bridge URL (with its secret) in Debian's Chromium.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type { CallName, CallRequest, CallResponse, Result } from '../shared/contract';
import {
  buildImage,
  buildMultiPlatform,
  pushImage,
  seedRepositories,
  seedTags,
} from '../test/support/images';
import { startRegistry, type TestRegistry } from '../test/support/registry';
import { seedRepositoriesInStorage, seedTagsInStorage } from '../test/support/storage-seed';

const ROOT = join(import.meta.dirname, '..');

/** The load registry's size (issue #7): tags in `bulk/large`, and repositories `load/r-NNNNN`. */
export const BIG_TAGS = Number(process.env.LADING_E2E_BIG_TAGS ?? 50_000);
export const BIG_REPOS = Number(process.env.LADING_E2E_BIG_REPOS ?? 20_000);
export const PAGED_TAGS = 150;

export const LABELS = {
  'org.opencontainers.image.title': 'Demo App',
  'org.opencontainers.image.description': 'A small demo image for Lading’s end-to-end tests.',
  'org.opencontainers.image.licenses': 'MIT',
  'org.opencontainers.image.source': 'https://github.com/acme/demo-app',
  'com.example.team': 'platform',
};

export interface Bridge {
  url: string;
  origin: string;
  token: string;
  configDir: string;
  /**
   * The bridge's DOCKER_HOST socket: nothing answers there (Docker "not running") until a spec starts a
   * dockerd on it (e2e/engines.spec.ts).
   */
  engineSocket: string;
  /** Podman's rootless socket under the bridge's XDG_RUNTIME_DIR: absent until a spec starts the service. */
  podmanSocket: string;
  process: ChildProcess;
}

export interface World {
  open: TestRegistry;
  /** Seeded through its storage with BIG_REPOS repositories and BIG_TAGS tags in `bulk/large`. */
  large: TestRegistry;
  basic: TestRegistry;
  bridge: Bridge;
  /** Calls the bridge API as the page would (to set up state quickly). */
  call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>>;
}

function buildRenderer(): void {
  // Always rebuild: a stale dist/renderer would test yesterday's UI. Takes a couple of seconds.
  execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/**
 * The bridge runs with a private HOME whose Docker config holds a login for `machineLogin` (what `docker
 * login` would have written), so "found on this machine" has something real to offer.
 */
async function startBridge(machineLogin: TestRegistry): Promise<Bridge> {
  const configDir = mkdtempSync(join(tmpdir(), 'lading-e2e-config-'));
  const home = mkdtempSync(join(tmpdir(), 'lading-e2e-home-'));
  const user = machineLogin.user!;
  mkdirSync(join(home, '.docker'), { recursive: true });
  writeFileSync(
    join(home, '.docker', 'config.json'),
    JSON.stringify({
      auths: {
        [machineLogin.host]: { auth: Buffer.from(`${user.username}:${user.password}`).toString('base64') },
      },
    }),
    { mode: 0o600 },
  );
  // A short path: unix socket paths are limited to 107 bytes.
  const engineSocket = join(mkdtempSync(join(tmpdir(), 'lading-e2e-engine-')), 'docker.sock');
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['electron/app/bridge/main.ts', '--port', '0'], {
    cwd: ROOT,
    // A private HOME and config dir: the test never sees (or writes) the user's real Docker credentials.
    // Nor the machine's engine: DOCKER_HOST names a socket of the suite's own.
    env: {
      ...privateHomeEnv(home),
      DOCKER_HOST: `unix://${engineSocket}`,
      LADING_CONFIG_DIR: configDir,
      LADING_RENDERER_DIR: join(ROOT, 'dist/renderer'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`bridge did not print its URL in 30 s\n${stderr}`)),
      30_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bridge exited with ${code}\n${stderr}`));
    });
  });
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '';
  return {
    url,
    origin: parsed.origin,
    token,
    configDir,
    engineSocket,
    podmanSocket: join(home, 'run', 'podman', 'podman.sock'),
    process: child,
  };
}

async function seed(open: TestRegistry): Promise<void> {
  // demo/app: three tags, two of them (1.1 and latest) on one digest.
  const v1 = await buildImage({
    layers: [{ 'app/version.txt': '1.0\n' }, { 'app/data.bin': Buffer.alloc(48 * 1024, 7) }],
    labels: LABELS,
    created: '2024-03-01T10:00:00Z',
    entrypoint: ['/app/run'],
    env: ['PATH=/usr/bin:/bin', 'APP_MODE=demo'],
    workdir: '/app',
  });
  const v2 = await buildImage({
    layers: [
      { 'app/version.txt': '1.1\n' },
      { 'app/data.bin': Buffer.alloc(96 * 1024, 9) },
      { 'app/extra': 'x\n' },
    ],
    labels: LABELS,
    created: '2024-06-01T10:00:00Z',
    entrypoint: ['/app/run'],
    env: ['PATH=/usr/bin:/bin', 'APP_MODE=demo'],
    workdir: '/app',
  });
  await pushImage(open, v1, 'demo/app:1.0');
  await pushImage(open, v2, 'demo/app:1.1');
  await pushImage(open, v2, 'demo/app:latest');
  // A multi-platform index whose index lacks the description annotation (GitHub would show none).
  const multi = await buildMultiPlatform({
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    labels: LABELS,
  });
  await pushImage(open, multi, 'demo/multi:1.0', { all: true });
  await seedTags(
    open,
    'bulk/paged',
    Array.from({ length: PAGED_TAGS }, (_, i) => `v${String(i).padStart(3, '0')}`),
  );
  await seedRepositories(open, [
    'tools/alpha',
    'tools/beta',
    'tools/gamma',
    'infra/proxy',
    'infra/cache',
    'solo',
  ]);
}

/** The load registry: written straight into its storage, which takes seconds instead of an hour of pushes. */
async function seedLarge(large: TestRegistry): Promise<void> {
  await seedTagsInStorage(large, 'bulk/large', BIG_TAGS);
  await seedRepositoriesInStorage(large, 'load', BIG_REPOS);
}

/**
 * The environment of an app under test with a private HOME: it reads (and writes) Docker, Podman and Lading
 * config only there, never the user's real logins.
 */
export function privateHomeEnv(home: string): Record<string, string> {
  const inherited = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined);
  return {
    ...Object.fromEntries(inherited),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    DOCKER_CONFIG: join(home, '.docker'),
    REGISTRY_AUTH_FILE: join(home, 'auth.json'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    LADING_CONFIG_DIR: join(home, 'lading'),
  };
}

export const test = base.extend<{ world: World; app: Page }, { workerWorld: World }>({
  workerWorld: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a pattern
    async ({}, use) => {
      buildRenderer();
      const [open, basic, large] = await Promise.all([
        startRegistry({ mode: 'open' }),
        startRegistry({ mode: 'basic' }),
        startRegistry({ mode: 'open' }),
      ]);
      await Promise.all([seed(open), seedLarge(large)]);
      const bridge = await startBridge(basic);
      const call = async <N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> => {
        const res = await fetch(`${bridge.origin}/api/call/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-lading-token': bridge.token },
          body: JSON.stringify(request),
        });
        const result = (await res.json()) as Result<CallResponse<N>>;
        if (!result.ok) throw new Error(`${name}: ${result.error.code} ${result.error.message}`);
        return result.value;
      };
      await use({ open, large, basic, bridge, call });
      bridge.process.kill('SIGTERM');
      await Promise.all([open.stop(), basic.stop(), large.stop()]);
      rmSync(bridge.configDir, { recursive: true, force: true });
      rmSync(dirname(bridge.engineSocket), { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  world: async ({ workerWorld }, use) => {
    await use(workerWorld);
  },
  app: async ({ page, workerWorld }, use) => {
    await page.goto(workerWorld.bridge.url);
    await use(page);
  },
});

/** Saves (or reuses) a generic connection to `registry` and returns its id. */
async function connectionTo(
  world: World,
  registry: TestRegistry,
  opts: { name: string; insecure?: boolean },
): Promise<string> {
  const existing = (await world.call('connections.list', {})).find((c) => c.registry === registry.host);
  if (existing) return existing.id;
  return (await world.call('connections.save', { kind: 'generic', registry: registry.host, ...opts })).id;
}

/** Saves (or reuses) a connection to the open test registry and returns its id. */
export function openConnection(world: World, name = 'Local registry'): Promise<string> {
  return connectionTo(world, world.open, { name, insecure: true });
}

/**
 * Saves (or reuses, by name) a connection to the basic-auth test registry with its real login, and returns
 * its id. By name, not host: other specs save connections to the same host with a wrong password.
 */
export async function basicConnection(world: World, name = 'Basic registry'): Promise<string> {
  const existing = (await world.call('connections.list', {})).find((c) => c.name === name);
  if (existing) return existing.id;
  const saved = await world.call('connections.save', {
    name,
    kind: 'generic',
    registry: world.basic.host,
    insecure: true,
    username: world.basic.user!.username,
    secret: world.basic.user!.password,
  });
  return saved.id;
}

/** Saves (or reuses) a connection to the load registry (20,000 repositories, 50,000 tags). */
export function largeConnection(world: World): Promise<string> {
  return connectionTo(world, world.large, { name: 'Load registry' });
}

/** Opens the app afresh, without choosing a connection yet. */
export async function reloadApp(page: Page, world: World): Promise<void> {
  // Via about:blank: going to the same URL with only a new #fragment would not reload the app.
  await page.goto('about:blank');
  await page.goto(world.bridge.url);
}

/** Clicks a registry's connection in the sidebar. */
export async function chooseRegistry(page: Page, registry: Pick<TestRegistry, 'host'>): Promise<void> {
  const host = registry.host.replaceAll('.', '\\.');
  await page
    .getByRole('navigation', { name: 'Connections' })
    .getByRole('button', { name: new RegExp(`${host} ·`) })
    .first()
    .click();
}

/** Opens the app on the open test registry's repository list (whatever connection comes first). */
export async function showOpenRegistry(page: Page, world: World): Promise<void> {
  await openConnection(world);
  await reloadApp(page, world);
  await chooseRegistry(page, world.open);
}

/**
 * Opens a repository from the list, filtered to it first: the list is virtualised and every spec adds
 * repositories to the shared registry, so a row further down is not in the page until it is scrolled to.
 */
export async function openRepositoryRow(page: Page, repository: string): Promise<void> {
  await page.getByLabel('Filter repositories').fill(repository);
  await page.getByRole('button', { name: repository, exact: true }).click();
}

/**
 * Adds a registry through the "+ Add registry" form (Any registry; an `http://` URL for a plain-HTTP one),
 * saving it even if the check has doubts, and waits for its page. The same steps in the browser and in
 * Electron (e2e/electron.spec.ts).
 */
export async function addRegistryInUi(page: Page, opts: { url: string; name: string }): Promise<void> {
  await page.getByRole('button', { name: '+ Add registry' }).click();
  await page.getByRole('radio', { name: /Any registry/ }).click();
  await page.getByLabel('Registry URL').fill(opts.url);
  await page.getByLabel('Display name').fill(opts.name);
  await page.getByRole('button', { name: 'Check connection' }).click();
  await expect(page.getByRole('status', { name: 'Connection check' })).toBeVisible();
  await page.getByRole('button', { name: /Save connection|Save anyway/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(opts.name);
}

/**
 * Clicks a tag row's action (`Pull 1.0`, `Re-tag 1.0`, `Delete 1.0`): its button, or, when the table is
 * narrow (the transfers panel open, a small window), the same entry of the row's "More actions" menu.
 */
export async function rowAction(app: Page, tag: string, action: string): Promise<void> {
  const grid = app.getByRole('grid');
  const button = grid.getByRole('button', { name: `${action} ${tag}`, exact: true });
  if (await button.isVisible()) {
    await button.click();
    return;
  }
  await grid.getByRole('button', { name: `More actions for ${tag}`, exact: true }).click();
  await app.getByRole('menuitem', { name: `${action} ${tag}`, exact: true }).click();
}

export async function expectJobDone(app: Page, title: RegExp): Promise<void> {
  const panel = app.getByRole('complementary', { name: 'Transfers' });
  // Actions open the panel themselves; open it only if it stays closed.
  await panel.waitFor({ timeout: 3000 }).catch(async () => {
    await app.getByRole('button', { name: /^Transfers/ }).click();
  });
  const job = panel.getByRole('listitem', { name: title }).first();
  await expect(job).toBeVisible();
  await expect(job.getByText(/^(Done|Failed|Cancelled)$/)).toBeVisible({ timeout: 30_000 });
  const failed = await job.getByText('Failed').isVisible();
  if (failed) throw new Error(`job failed: ${await job.textContent()}`);
}

/** Drops a real file (bytes read by the test) onto the window, as a browser would. */
export async function dropFile(app: Page, path: string, name: string, overlayShot?: string): Promise<void> {
  const bytes = readFileSync(path).toString('base64');
  await app.evaluate(
    ({ bytes, name }) => {
      const bin = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
      const file = new File([bin], name, { type: 'application/x-tar' });
      const dt = new DataTransfer();
      dt.items.add(file);
      (window as unknown as { __drop: DataTransfer }).__drop = dt;
      for (const type of ['dragenter', 'dragover']) {
        document.body.dispatchEvent(
          new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
      }
    },
    { bytes, name },
  );
  await expect(app.getByTestId('drop-overlay')).toBeVisible();
  if (overlayShot) await app.screenshot({ path: overlayShot });
  await app.evaluate(() => {
    const dt = (window as unknown as { __drop: DataTransfer }).__drop;
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
}

export { expect };
