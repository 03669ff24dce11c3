// biome-ignore-all lint/a11y/useSemanticElements: a virtualised ARIA table; <table> rows cannot be absolutely positioned
// biome-ignore-all lint/a11y/useFocusableInteractive: the rows are read, not acted on; the scroll box takes the focus
/**
 * The image page's "Supply chain" section (#19): what is attached to the image and where it was found,
 * signatures checked against a public key the user pastes, provenance in a few lines, and the SBOM as a
 * filterable, virtualised package table.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { referrerKind, type SupplyChain as SupplyChainInfo } from '../../../shared/supply';
import { call } from '../../api';
import { Spinner } from '../../components/bits';
import { ErrorBox } from '../../components/ErrorBox';
import { formatBytes, plural, shortDigest } from '../../lib/format';

const ROW_HEIGHT = 30;

export function SupplyChain({
  connectionId,
  repository,
  reference,
  platform,
}: {
  connectionId: string;
  repository: string;
  reference: string;
  platform?: string;
}) {
  const query = useQuery({
    queryKey: ['supplyChain', connectionId, repository, reference, platform ?? ''],
    queryFn: () => call('registry.supplyChain', { connectionId, repository, reference, platform }),
    staleTime: 15_000,
  });
  const s = query.data;
  return (
    <section className="card" aria-labelledby="supply-h">
      <h2 id="supply-h">Supply chain</h2>
      {query.isPending && <Spinner label="Looking for signatures, attestations and SBOMs…" />}
      {query.error && (
        <ErrorBox
          error={query.error}
          title="Could not read what is attached"
          onRetry={() => query.refetch()}
        />
      )}
      {s && (
        <>
          <Attached info={s} />
          {s.referrers.some((r) => referrerKind(r) === 'signature') && (
            <Verify connectionId={connectionId} repository={repository} reference={reference} />
          )}
          <Provenance info={s} />
          {s.sbomError && <ErrorBox error={s.sbomError} title="The SBOM could not be read" />}
          {s.sbom && <Packages sbom={s.sbom} />}
        </>
      )}
    </section>
  );
}

function Attached({ info }: { info: SupplyChainInfo }) {
  if (info.referrers.length === 0) return <p className="muted">Nothing is attached to this image.</p>;
  return (
    <>
      <h3>Attached ({info.referrers.length})</h3>
      <table className="kv-table" aria-label="Attached artifacts">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Digest</th>
            <th>Type</th>
            <th>Found in</th>
            <th>Size</th>
          </tr>
        </thead>
        <tbody>
          {info.referrers.map((r) => (
            <tr key={r.digest}>
              <td>
                <span className="chip">{referrerKind(r)}</span>
              </td>
              <td>
                <code title={r.digest}>{shortDigest(r.digest)}</code>
              </td>
              <td>
                <code>{r.artifactType || r.mediaType}</code>
                {r.annotations['vnd.docker.reference.digest'] && (
                  <span className="muted">
                    {' '}
                    for {shortDigest(r.annotations['vnd.docker.reference.digest'])}
                  </span>
                )}
              </td>
              <td>{SOURCE_WORDS[r.source]}</td>
              <td>{formatBytes(r.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {info.truncated && <p className="muted">More are attached than listed here.</p>}
    </>
  );
}

const SOURCE_WORDS: Record<SupplyChainInfo['referrers'][number]['source'], string> = {
  'referrers-api': 'referrers API',
  'tag-schema': 'referrers tag',
  cosign: 'cosign tag',
  'attestation-manifest': 'index (BuildKit)',
};

function Verify({
  connectionId,
  repository,
  reference,
}: {
  connectionId: string;
  repository: string;
  reference: string;
}) {
  const [pem, setPem] = useState('');
  const verify = useMutation({
    mutationFn: () =>
      call('registry.verifySignatures', {
        connectionId,
        repository,
        reference,
        keys: [{ name: 'the pasted key', pem }],
      }),
  });
  const result = verify.data;
  return (
    <>
      <h3>Signatures</h3>
      <label className="field">
        <span>Public key (PEM, as cosign.pub)</span>
        <textarea
          rows={4}
          value={pem}
          onChange={(e) => setPem(e.target.value)}
          placeholder="-----BEGIN PUBLIC KEY-----"
          spellCheck={false}
        />
      </label>
      <button
        type="button"
        className="btn small"
        disabled={!pem.trim() || verify.isPending}
        onClick={() => verify.mutate()}
      >
        Verify signatures
      </button>
      {verify.error && <ErrorBox error={verify.error} title="Could not verify" />}
      {result && (
        <ul className="plain-list" aria-label="Signature results">
          <li className={result.verified ? 'ok' : 'warn'}>
            <strong>{result.verified ? 'Verified' : 'Not verified'}</strong>
            {!result.verified && result.signatures.length === 0 && ': no cosign signature found'}
          </li>
          {result.signatures.map((sig) => (
            <li key={sig.digest}>
              <code title={sig.digest}>{shortDigest(sig.digest)}</code> (
              {sig.layout === 'cosign-sig' ? 'cosign .sig' : 'Sigstore bundle'}):{' '}
              {sig.valid ? `valid, signed by ${sig.key}` : `not valid: ${sig.reason}`}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Provenance({ info }: { info: SupplyChainInfo }) {
  if (info.provenanceError)
    return <ErrorBox error={info.provenanceError} title="The provenance could not be read" />;
  if (info.provenance.length === 0) return null;
  return (
    <>
      <h3>Provenance</h3>
      {info.provenance.map((p) => (
        <dl key={p.document} className="kv" aria-label="Provenance">
          <dt>Builder</dt>
          <dd>{p.builderId ?? '—'}</dd>
          <dt>Source</dt>
          <dd>
            {p.sourceRepository ?? '—'}
            {p.sourceCommit && <code> @ {p.sourceCommit.slice(0, 12)}</code>}
          </dd>
          {p.entryPoint && (
            <>
              <dt>Entry point</dt>
              <dd>{p.entryPoint}</dd>
            </>
          )}
          {(p.startedOn ?? p.finishedOn) && (
            <>
              <dt>Built</dt>
              <dd>{p.startedOn ?? p.finishedOn}</dd>
            </>
          )}
          <dt>Format</dt>
          <dd>
            <code>{p.predicateType}</code>
          </dd>
        </dl>
      ))}
    </>
  );
}

function Packages({ sbom }: { sbom: NonNullable<SupplyChainInfo['sbom']> }) {
  const [filter, setFilter] = useState('');
  const rows = useMemo(() => {
    const q = filter.trim().toLowerCase();
    if (!q) return sbom.packages;
    return sbom.packages.filter((p) =>
      `${p.name} ${p.version} ${p.license ?? ''} ${p.purl ?? ''}`.toLowerCase().includes(q),
    );
  }, [sbom, filter]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  return (
    <>
      <h3>
        SBOM · {sbom.format === 'spdx' ? 'SPDX' : 'CycloneDX'} · {plural(sbom.packages.length, 'package')}
      </h3>
      <input
        type="search"
        className="input"
        aria-label="Filter packages"
        placeholder="Filter packages"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <div
        ref={scrollRef}
        className="sbom-scroll"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll box people move through with the keyboard
        tabIndex={0}
        style={{ maxHeight: 360, overflow: 'auto' }}
      >
        <div
          role="table"
          aria-label="SBOM packages"
          aria-rowcount={rows.length}
          style={{ height: virtual.getTotalSize(), position: 'relative' }}
        >
          {virtual.getVirtualItems().map((v) => {
            const p = rows[v.index];
            if (!p) return null;
            return (
              <div
                key={v.key}
                role="row"
                className="sbom-row"
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${v.start}px)`,
                  display: 'flex',
                  gap: 12,
                }}
              >
                <span role="cell" style={{ flex: 2 }}>
                  {p.name}
                </span>
                <span role="cell" style={{ flex: 1 }}>
                  {p.version || '—'}
                </span>
                <span role="cell" style={{ flex: 1 }}>
                  {p.license ?? '—'}
                </span>
                <span
                  role="cell"
                  className="muted"
                  style={{ flex: 3, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
                >
                  {p.purl ?? ''}
                </span>
              </div>
            );
          })}
        </div>
      </div>
      {rows.length === 0 && <p className="muted">No package matches “{filter}”.</p>}
    </>
  );
}
