import { useConnection } from '../api/queries';
import { useUi } from '../state/ui';

/** Breadcrumb: connection › repository › reference, each a link back up. */
export function Breadcrumb({
  connectionId,
  repository,
  reference,
}: {
  connectionId: string;
  repository?: string;
  reference?: string;
}) {
  const connection = useConnection(connectionId);
  const navigate = useUi((s) => s.navigate);
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
          <span className="crumb current" aria-current="page">
            {reference}
          </span>
        </>
      )}
    </nav>
  );
}
