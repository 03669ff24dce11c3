import { useConnection } from '../api/queries';
import { navigate } from '../state/route';

/**
 * Breadcrumb: connection › repository › reference (› platform), each a link back up. A platform of an
 * index keeps the tag it came from (`latest › linux/arm64`); `platform.of` is that tag or digest in full.
 */
export function Breadcrumb({
  connectionId,
  repository,
  reference,
  platform,
}: {
  connectionId: string;
  repository?: string;
  reference?: string;
  platform?: { name: string; of: string };
}) {
  const connection = useConnection(connectionId);
  return (
    <nav className="crumbs" aria-label="Breadcrumb">
      <button
        type="button"
        className="crumb"
        onClick={() => navigate({ screen: 'repositories', connectionId })}
      >
        {connection?.name ?? connection?.registry ?? '…'}
      </button>
      {repository && (
        <>
          <span className="crumb-sep" aria-hidden="true">
            ›
          </span>
          <button
            type="button"
            className="crumb"
            onClick={() => navigate({ screen: 'tags', connectionId, repository })}
            aria-current={reference ? undefined : 'page'}
          >
            {repository}
          </button>
        </>
      )}
      {reference && (
        <>
          <span className="crumb-sep" aria-hidden="true">
            ›
          </span>
          {platform && repository ? (
            <button
              type="button"
              className="crumb"
              onClick={() => navigate({ screen: 'image', connectionId, repository, reference: platform.of })}
            >
              {reference}
            </button>
          ) : (
            <span className="crumb current" aria-current="page">
              {reference}
            </span>
          )}
        </>
      )}
      {reference && platform && (
        <>
          <span className="crumb-sep" aria-hidden="true">
            ›
          </span>
          <span className="crumb current" aria-current="page">
            {platform.name}
          </span>
        </>
      )}
    </nav>
  );
}
