import { useMemo, useState } from 'react';
import type { ImageInspect } from '../../../shared/types';
import { CopyButton } from '../../components/CopyButton';
import { plural } from '../../lib/format';
import { prettyJson } from '../../lib/labels';

export function highlight(text: string, query: string, keyPrefix: string): React.ReactNode[] {
  if (!query) return [text];
  const out: React.ReactNode[] = [];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  let at = 0;
  let n = 0;
  for (;;) {
    const i = lower.indexOf(q, at);
    if (i < 0) break;
    out.push(text.slice(at, i), <mark key={`${keyPrefix}-${n++}`}>{text.slice(i, i + q.length)}</mark>);
    at = i + q.length;
  }
  out.push(text.slice(at));
  return out;
}

export const JSON_TOKEN =
  /("(?:\\.|[^"\\])*")(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Pretty JSON with keys, strings, numbers and literals coloured, and search matches marked. */
export function jsonNodes(text: string, query: string): React.ReactNode[] {
  const out: React.ReactNode[] = [];
  let at = 0;
  let n = 0;
  for (const m of text.matchAll(JSON_TOKEN)) {
    const i = m.index ?? 0;
    if (i > at) out.push(...highlight(text.slice(at, i), query, `p${n}`));
    const cls = m[1] ? (m[2] ? 'json-key' : 'json-str') : /^[tfn]/.test(m[0]) ? 'json-lit' : 'json-num';
    const body = m[2] ? m[1]! : m[0];
    out.push(
      <span key={`t${n}`} className={cls}>
        {highlight(body, query, `t${n}`)}
      </span>,
    );
    if (m[2]) out.push(m[2]);
    at = i + m[0].length;
    n++;
  }
  out.push(...highlight(text.slice(at), query, 'end'));
  return out;
}

export function RawDocuments({ image }: { image: ImageInspect }) {
  const [doc, setDoc] = useState<'manifest' | 'config'>('manifest');
  const [query, setQuery] = useState('');
  const text = useMemo(
    () => prettyJson(doc === 'manifest' ? image.rawManifest : image.rawConfig),
    [doc, image],
  );
  const matches = useMemo(() => {
    if (!query) return 0;
    return text.toLowerCase().split(query.toLowerCase()).length - 1;
  }, [text, query]);
  return (
    <section className="card" aria-labelledby="raw-h">
      <h2 id="raw-h">Raw JSON</h2>
      <div className="toolbar">
        <div className="segmented" role="tablist" aria-label="Document">
          <button
            type="button"
            role="tab"
            aria-selected={doc === 'manifest'}
            onClick={() => setDoc('manifest')}
          >
            Manifest
          </button>
          {image.rawConfig && (
            <button
              type="button"
              role="tab"
              aria-selected={doc === 'config'}
              onClick={() => setDoc('config')}
            >
              Config
            </button>
          )}
        </div>
        <input
          className="filter small"
          type="search"
          placeholder="Search JSON"
          aria-label="Search JSON"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {query && <span className="toolbar-info">{plural(matches, 'match', 'matches')}</span>}
        <span className="spacer" />
        <CopyButton text={text} label={`Copy ${doc} JSON`} />
      </div>
      <pre className="json" title={`${doc} JSON`}>
        {jsonNodes(text, query)}
      </pre>
    </section>
  );
}

/**
 * The image size (config + layers) of each manifest an index names, by digest, read like its platform
 * page reads it; undefined while loading or when it cannot be read. The index's own size is the sum over
 * its platforms (attestations apart), as the tag list shows it.
 */
