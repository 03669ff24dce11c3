import { useState } from 'react';
import { copyText } from '../lib/clipboard';
import { type Route, routeUrl } from '../lib/routes';
import { Icon } from './Icon';

/**
 * Copies the address of `route` on this page: it opens the same screen. Built from the route, never from
 * `location.href`, so nothing else in the address (the bridge secret included) can end up in the link.
 */
export function CopyLinkButton({ route }: { route: Route }) {
  const [copied, setCopied] = useState(false);
  const link = routeUrl(route, window.location);
  return (
    <button
      type="button"
      className="btn"
      data-link={link}
      title={copied ? 'Copied' : link}
      onClick={async () => {
        if (await copyText(link)) {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        }
      }}
    >
      <Icon name={copied ? 'check' : 'copy'} /> Copy link
    </button>
  );
}
