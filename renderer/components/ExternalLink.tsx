import { useState } from 'react';
import { checkExternalUrl, textNamesHost } from '../../shared/external-url';
import { call } from '../api';
import { Dialog } from './Dialog';

/**
 * An https link from data we do not control (image labels, GitHub): in Electron it goes through
 * shell.openExternal (the window never navigates); in a browser, a new tab. Its real host is always shown,
 * and when the link's text does not name that host, opening it asks first, naming the host.
 */
export function ExternalLink({
  href,
  children,
  className,
}: {
  href: string;
  children: React.ReactNode;
  className?: string;
}) {
  const [confirming, setConfirming] = useState(false);
  const check = checkExternalUrl(href);
  if (!check.ok) return <span className={className}>{children}</span>;
  const { url, host } = check;
  const namesHost = typeof children === 'string' && textNamesHost(children, host);

  function open(): void {
    if (window.lading) void call('shell.openExternal', { url });
    else window.open(url, '_blank', 'noopener,noreferrer');
  }

  return (
    <>
      <a
        className={className}
        href={url}
        target="_blank"
        rel="noreferrer noopener"
        title={url}
        onClick={(e) => {
          if (!namesHost) {
            e.preventDefault();
            setConfirming(true);
          } else if (window.lading) {
            e.preventDefault();
            open();
          }
        }}
      >
        {children}
      </a>
      {!namesHost && <span className="muted link-host"> ({host})</span>}
      {confirming && (
        <Dialog
          title={`Open a link to ${host}?`}
          onClose={() => setConfirming(false)}
          footer={
            <>
              <button type="button" className="btn ghost" onClick={() => setConfirming(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="btn primary"
                onClick={() => {
                  setConfirming(false);
                  open();
                }}
              >
                Open {host}
              </button>
            </>
          }
        >
          <p>
            This link goes to <strong>{host}</strong>, which its text does not name.
          </p>
          <p className="mono">{url}</p>
        </Dialog>
      )}
    </>
  );
}
