/** scanArchiveStream over a source that hands out small pieces, as a socket does (an engine's save). */
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { SMALL_ENTRY, scanArchiveStream } from '../../electron/core/archive/open-archive';
import { readAll } from '../support/clients';

/** A tar holding a large entry that is itself a tar (a layer), read back in `piece`-byte pieces. */
async function layeredTar(piece: number): Promise<{ source: Readable; layer: Buffer }> {
  const inner = pack();
  inner.entry({ name: 'big.bin' }, Buffer.alloc(SMALL_ENTRY + 4096, 7));
  inner.finalize();
  const layer = await readAll(inner);
  const outer = pack();
  outer.entry({ name: 'abc/layer.tar' }, layer);
  outer.entry({ name: 'manifest.json' }, '[]');
  outer.finalize();
  const bytes = await readAll(outer);
  const pieces = function* () {
    for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
  };
  return { source: Readable.from(pieces()), layer };
}

describe('scanArchiveStream', () => {
  it('sniffs a large entry from its whole header even when the first piece is shorter', async () => {
    const { source, layer } = await layeredTar(100);
    const seen: { name: string; kind: string; bytes: Buffer }[] = [];
    const files = await scanArchiveStream('engine:test', source, 'tar', async (entry) => {
      seen.push({ name: entry.name, kind: entry.kind, bytes: await readAll(entry.body) });
    });
    expect(seen.map((s) => [s.name, s.kind])).toEqual([['abc/layer.tar', 'tar']]);
    expect(seen[0]?.bytes.equals(layer)).toBe(true);
    expect((await files.read('manifest.json')).toString()).toBe('[]');
  });
});
