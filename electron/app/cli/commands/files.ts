/**
 * An image's files without pulling it: `lading ls REFERENCE [PATH]` (the merged filesystem, or one layer's
 * changes with --layer), `lading ls REFERENCE --summary` (dive's figures), `lading cat REFERENCE PATH`
 * and `lading export REFERENCE FILE` (the merged filesystem as one tar). Layer indexes are cached.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exportImageFiles } from '../../../core/files/export';
import {
  type FileRow,
  type ImageFiles,
  imagePath,
  iterTree,
  listFiles,
  openImageFiles,
  type ResolvedFiles,
  resolveImageFiles,
} from '../../../core/files/image-files';
import { defaultCacheDir, IndexCache } from '../../../core/files/index-cache';
import { jsonElement, jsonEnd, ListingWriter, readListing } from '../../../core/files/listing-cache';
import { summarize } from '../../../core/files/merge';
import { readImageFile } from '../../../core/files/read-file';
import type { RegistryClient } from '../../../core/registry/client';
import { LadingError } from '../../../core/registry/errors';
import { parsePlatformArg, parseReferenceArg, positiveInt } from '../args';
import { type CliContext, cliContext, print, printJson, registryClient } from '../context';
import { fields, humanSize, table } from '../format';

interface FilesFlags {
  platform?: string;
  layer?: number;
  summary?: boolean;
  json?: boolean;
  follow?: boolean;
}

async function open(
  referenceArg: string,
  opts: FilesFlags,
  cmd: Command,
  /** The client and image mergedListing already has (a second client would fetch a second token). */
  pre?: { client: RegistryClient; resolved: ResolvedFiles },
): Promise<{ client: RegistryClient; files: ImageFiles }> {
  const ref = parseReferenceArg(referenceArg);
  const client = pre?.client ?? (await registryClient(cmd, ref.registry));
  const { signal, io } = cliContext();
  const cache = new IndexCache(defaultCacheDir(io.env));
  // One line on a terminal's stderr while layers are read (never on a pipe: scripts read stdout only).
  const tty = process.stderr.isTTY === true;
  let shown = 0;
  const files = await openImageFiles(client, pre?.resolved ?? ref, {
    platform: opts.platform,
    cache,
    signal,
    changes: opts.layer !== undefined,
    onProgress: tty
      ? (p) => {
          const now = Date.now();
          if (now - shown < 100 && p.layersDone < p.layers) return;
          shown = now;
          io.stderr(
            `\r\x1b[2Kreading layers ${p.layersDone}/${p.layers}  ${humanSize(p.bytesDone)} / ${humanSize(p.bytesTotal)}`,
          );
        }
      : undefined,
  });
  if (tty && shown) io.stderr('\r\x1b[2K');
  return { client, files };
}

/**
 * `lading ls` of the merged filesystem: from the listing cache when this manifest digest was listed before
 * (one manifest and config GET, nothing merged, the cached JSON written as it is), else from the layers,
 * printed a chunk at a time while the whole listing is cached.
 */
async function lsMerged(referenceArg: string, path: string, opts: FilesFlags, cmd: Command): Promise<void> {
  const ref = parseReferenceArg(referenceArg);
  const client = await registryClient(cmd, ref.registry);
  const { signal, io } = cliContext();
  const cache = new IndexCache(defaultCacheDir(io.env));
  const resolved = await resolveImageFiles(client, ref, { platform: opts.platform, signal });
  const inside = imagePath(path);
  const cached = await readListing(cache, resolved.digest, resolved.reference, inside);
  if (cached) {
    if (!opts.json) for (const line of lsText(cached.rows(), false)) print(line);
    else if (io.stdoutBytes) await io.stdoutBytes(cached.json);
    else io.stdout(cached.json.toString('utf8'));
    return;
  }
  const { files } = await open(referenceArg, opts, cmd, { client, resolved });
  const root = files.merged.root;
  const writer = new ListingWriter(cache, files.digest);
  const whole = inside === '';
  // The wanted rows are looked up first: a missing path fails before anything is printed.
  const rows = iterTree(root, files, inside);
  const firstRow = rows.next();
  const out = new JsonOut(io, opts.json === true);
  const text: FileRow[] = [];
  let first = true;
  const emit = (r: FileRow) => {
    const piece = jsonElement(r, first);
    first = false;
    if (whole) writer.write(piece);
    if (opts.json) return out.write(piece);
    text.push(r);
  };
  if (!firstRow.done) await emit(firstRow.value);
  for (const r of rows) await emit(r);
  if (whole) writer.write(jsonEnd(first));
  else {
    let f = true;
    for (const r of iterTree(root, files, '')) {
      writer.write(jsonElement(r, f));
      f = false;
    }
    writer.write(jsonEnd(f));
  }
  if (opts.json) await out.end(jsonEnd(first));
  else for (const line of lsText(text, false)) print(line);
  await writer.finish();
}

/** stdout a chunk at a time (the whole listing is never one string), waiting for each to be written. */
class JsonOut {
  private pending = '';
  constructor(
    private readonly io: CliContext['io'],
    private readonly on: boolean,
  ) {}

  async write(s: string): Promise<void> {
    if (!this.on) return;
    this.pending += s;
    if (this.pending.length > 256 * 1024) await this.flush();
  }

  async end(s: string): Promise<void> {
    this.pending += s;
    await this.flush();
  }

  private async flush(): Promise<void> {
    const s = this.pending;
    this.pending = '';
    if (this.io.stdoutBytes) await this.io.stdoutBytes(Buffer.from(s));
    else this.io.stdout(s);
  }
}

const TYPE_LETTER: Record<FileRow['type'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  hardlink: 'h',
  'character-device': 'c',
  'block-device': 'b',
  fifo: 'p',
};

/** "0755" → "rwxr-xr-x", with setuid/setgid/sticky as ls shows them. */
function permissions(mode: string): string {
  const m = Number.parseInt(mode, 8);
  let s = '';
  for (const shift of [6, 3, 0]) {
    const bits = (m >> shift) & 7;
    s += `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
  }
  const chars = s.split('');
  const special = (i: number, bit: number, on: string, off: string) => {
    if (m & bit) chars[i] = chars[i] === 'x' ? on : off;
  };
  special(2, 0o4000, 's', 'S');
  special(5, 0o2000, 's', 'S');
  special(8, 0o1000, 't', 'T');
  return chars.join('');
}

function lsText(rows: FileRow[], withChange: boolean): string[] {
  const body = rows.map((r) => {
    const name = r.linkTarget ? `${r.path} -> ${r.linkTarget}` : r.path;
    const cells = [
      `${TYPE_LETTER[r.type]}${permissions(r.mode)}`,
      `${r.uid}/${r.gid}`,
      humanSize(r.size),
      String(r.layer),
    ];
    return withChange ? [r.change ?? '', ...cells, name] : [...cells, name];
  });
  const head = ['MODE', 'OWNER', 'SIZE', 'LAYER', 'PATH'];
  return table([withChange ? ['CHANGE', ...head] : head, ...body]);
}

export function register(program: Command): void {
  program
    .command('ls')
    .description("list an image's files without pulling it (the merged filesystem, or one layer's changes)")
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2')
    .argument('[path]', 'directory (or file) to list', '/')
    .option('--layer <n>', "only this layer's changes (1-based, the order of lading inspect)", positiveInt)
    .option('--summary', 'the figures instead: files, bytes, wasted space, efficiency')
    .option('--platform <os/arch[/variant]>', 'for a multi-platform index: this platform', parsePlatformArg)
    .option('--json', 'print JSON')
    .action(async (referenceArg: string, path: string, opts: FilesFlags, cmd: Command) => {
      if (opts.summary && opts.layer !== undefined) {
        throw new LadingError(
          'invalid-input',
          '--summary is for the whole image; it does not take --layer.',
          {
            hint: 'Drop --layer, or list the layer without --summary.',
          },
        );
      }
      if (!opts.summary && opts.layer === undefined) {
        await lsMerged(referenceArg, path, opts, cmd);
        return;
      }
      const { files } = await open(referenceArg, opts, cmd);
      if (opts.summary) {
        const s = summarize(files.merged);
        const out = { ...s, largestWasted: s.largestWasted.map((w) => ({ ...w, path: `/${w.path}` })) };
        if (opts.json) return printJson(out);
        for (const line of fields([
          ['Files', String(s.files)],
          ['Directories', String(s.directories)],
          ['In all layers', humanSize(s.totalBytes)],
          ['In the image', humanSize(s.finalBytes)],
          ['Wasted', humanSize(s.wastedBytes)],
          ['Efficiency', `${(s.efficiency * 100).toFixed(1)}%`],
        ]))
          print(line);
        if (out.largestWasted.length) {
          print('');
          print('Largest wasted:');
          const rows = out.largestWasted.map((w) => [humanSize(w.bytes), String(w.layer), w.path]);
          for (const line of table([['SIZE', 'LAYER', 'PATH'], ...rows])) print(`  ${line}`);
        }
        return;
      }
      const rows = listFiles(files, { path, layer: opts.layer });
      if (opts.json) printJson(rows);
      else for (const line of lsText(rows, true)) print(line);
    });

  program
    .command('cat')
    .description('print one file of an image without pulling it')
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2')
    .argument('<path>', 'the file, e.g. /etc/os-release')
    .option('--follow', 'when PATH is a symlink, read what it points to (within the image)')
    .option('--platform <os/arch[/variant]>', 'for a multi-platform index: this platform', parsePlatformArg)
    .action(async (referenceArg: string, path: string, opts: FilesFlags, cmd: Command) => {
      const { client, files } = await open(referenceArg, opts, cmd);
      const { io, signal } = cliContext();
      const content = await readImageFile(client, files, path, { follow: opts.follow, signal });
      for await (const piece of content.body) {
        if (io.stdoutBytes) await io.stdoutBytes(piece);
        else io.stdout(piece.toString('utf8'));
      }
    });

  program
    .command('export')
    .description("write an image's merged filesystem as one tar (crane export), without pulling it")
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2')
    .argument('<file>', 'the tar file to write')
    .option('--platform <os/arch[/variant]>', 'for a multi-platform index: this platform', parsePlatformArg)
    .option('--json', 'print the result as JSON')
    .action(async (referenceArg: string, file: string, opts: FilesFlags, cmd: Command) => {
      const { client, files } = await open(referenceArg, opts, cmd);
      const output = resolve(file);
      const result = await exportImageFiles(client, files, output, { signal: cliContext().signal });
      if (opts.json) printJson({ file: output, ...result });
      else
        print(
          `Exported ${files.reference} to ${output} (${result.entries} entries, ${humanSize(result.bytes)})`,
        );
    });
}
