import { useState } from 'react';
import { copyText } from '../lib/clipboard';
import { Icon } from './Icon';

/** A small copy button; `label` is what is copied, for screen readers and tests ("Copy digest"). */
export function CopyButton({
  text,
  label,
  children,
}: {
  text: string;
  label: string;
  children?: React.ReactNode;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={`btn icon copy${copied ? ' copied' : ''}`}
      aria-label={label}
      title={copied ? 'Copied' : label}
      onClick={async (e) => {
        e.stopPropagation();
        if (await copyText(text)) {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        }
      }}
    >
      {copied ? <Icon name="check" /> : (children ?? <Icon name="copy" />)}
    </button>
  );
}
