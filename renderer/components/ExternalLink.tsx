import { call } from '../api';
import { safeHttpsUrl } from '../lib/github';

/** An https link: in Electron it goes through shell.openExternal (the window never navigates); in a browser, a new tab. */
export function ExternalLink({
  href,
  children,
  className,
}: {
  href: string;
  children: React.ReactNode;
  className?: string;
}) {
  const url = safeHttpsUrl(href);
  if (!url) return <span className={className}>{children}</span>;
  return (
    <a
      className={className}
      href={url}
      target="_blank"
      rel="noreferrer noopener"
      onClick={(e) => {
        if (window.lading) {
          e.preventDefault();
          void call('shell.openExternal', { url });
        }
      }}
    >
      {children}
    </a>
  );
}
