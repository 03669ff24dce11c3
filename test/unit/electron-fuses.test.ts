/**
 * The packaged app's Electron fuses (electron-builder.yml `electronFuses`), read and schema-checked by
 * electron-builder's own config loader, so a typo or a dropped fuse fails here rather than ship.
 */
import { FuseV1Options } from '@electron/fuses';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('Electron fuses', () => {
  it('turn off every way to run the binary as plain Node and load only the checked app.asar', async () => {
    const config = await getConfig(ROOT, null, null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      // The renderer comes from app://lading, so file:// needs no extra powers.
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('names only fuses that @electron/fuses knows', async () => {
    const config = await getConfig(ROOT, null, null);
    const known = Object.keys(FuseV1Options)
      .filter((k) => Number.isNaN(Number(k)))
      .map((k) => k[0]!.toLowerCase() + k.slice(1));
    for (const key of Object.keys(config.electronFuses ?? {})) expect(known).toContain(key);
  });
});
