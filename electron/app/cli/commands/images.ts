/** `lading images`: the local engine's images (Docker's, or Podman's through its Docker-compatible socket). */
import type { Command } from 'commander';
import type { EngineKind } from '../../../core/engines/endpoint';
import { listLocalImages } from '../../../core/engines/images';
import { cliContext, note, print, printJson } from '../context';
import { cliEngine, engineOption } from '../engine-args';
import { humanSize, table } from '../format';

/** "3 days ago", as docker images prints it. */
function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  const units: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    const n = Math.floor(s / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

export function register(program: Command): void {
  program
    .command('images')
    .description('list the images in the local Docker or Podman engine')
    .addOption(engineOption())
    .option('--json', 'print a JSON array of {id, tags, digests, size, created, platform}')
    .action(async (opts: { json?: boolean; engine?: EngineKind }) => {
      const engine = await cliEngine(opts.engine);
      try {
        const images = await listLocalImages(engine, cliContext().signal);
        if (opts.json) {
          printJson(images);
          return;
        }
        note(
          `${engine.label} ${engine.info.version} at ${engine.info.endpoint.socketPath ?? engine.info.endpoint.origin}`,
        );
        const rows = [['IMAGE', 'ID', 'PLATFORM', 'CREATED', 'SIZE']];
        for (const img of images) {
          const id = img.id.replace(/^sha256:/, '').slice(0, 12);
          for (const name of img.tags.length ? img.tags : ['<none>'])
            rows.push([name, id, img.platform ?? '', ago(img.created), humanSize(img.size)]);
        }
        for (const line of table(rows)) print(line);
      } finally {
        await engine.close();
      }
    });
}
