import { toErrorInfo } from '../api';

/** An error where it happened: what went wrong, then what to do about it. */
export function ErrorBox({
  error,
  title,
  onRetry,
  action,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  /** A way out that fits this error, e.g. "Edit connection" for rejected credentials. */
  action?: { label: string; onClick: () => void };
}) {
  const info = toErrorInfo(error);
  return (
    // The code is for scripts and bug reports (data-code), not words a person reads.
    <div className="error-box" role="alert" data-code={info.code}>
      <div className="error-title">{title ?? 'Something went wrong'}</div>
      <div className="error-message">{info.message}</div>
      {info.hint && <div className="error-hint">{info.hint}</div>}
      <div className="error-foot">
        <span className="spacer" />
        {action && (
          <button type="button" className="btn small primary" onClick={action.onClick}>
            {action.label}
          </button>
        )}
        {onRetry && (
          <button type="button" className="btn small" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}
