/** Start the services and the bridge the way `npm run web` and `lading serve` do. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ladingConfigDir } from '../../core/connections/config-dir';
import { nodeSecretStore, type SecretStore } from '../../core/connections/secret-store';
import { createServices } from '../services/index';
import { type Bridge, startBridge } from './server';

/** dist/renderer: next to the bundle (dist/bridge.mjs, dist/cli.cjs), or under the working directory. */
export function findRendererDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    env.LADING_RENDERER_DIR,
    join(here, 'renderer'),
    join(here, '..', '..', 'dist', 'renderer'),
    join(process.cwd(), 'dist', 'renderer'),
  ].filter((c): c is string => !!c);
  return candidates.map((c) => resolve(c)).find((c) => existsSync(join(c, 'index.html')));
}

export interface RunBridgeOptions {
  port?: number;
  rendererDir?: string;
  env?: NodeJS.ProcessEnv;
}

export async function runBridge(
  opts: RunBridgeOptions = {},
): Promise<Bridge & { secretStorage: SecretStore['kind']; stop(): Promise<void> }> {
  const env = opts.env ?? process.env;
  const dataDir = ladingConfigDir(env);
  const secretStore = await nodeSecretStore(dataDir, env);
  const services = await createServices({ dataDir, secretStore, mode: 'bridge' });
  const bridge = await startBridge({
    services,
    port: opts.port,
    rendererDir: opts.rendererDir ?? findRendererDir(env),
  });
  return {
    ...bridge,
    secretStorage: secretStore.kind,
    async stop() {
      await bridge.close();
      await services.dispose();
    },
  };
}
