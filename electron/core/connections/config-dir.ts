import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Lading's config directory: `$LADING_CONFIG_DIR`, else the OS convention (XDG on Linux,
 * Application Support on macOS, %APPDATA% on Windows) + `/lading`.
 */
export function ladingConfigDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LADING_CONFIG_DIR) return env.LADING_CONFIG_DIR;
  const home = env.HOME || homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'lading');
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'lading');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'lading');
}
