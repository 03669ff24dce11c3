import { CopyButton } from '../../components/CopyButton';

export function KV({ k, children }: { k: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function DigestLine({ digest, label }: { digest: string; label: string }) {
  return (
    <span className="digest-line">
      <code>{digest}</code>
      <CopyButton text={digest} label={label} />
    </span>
  );
}

export function CommandLine({ command, label }: { command: string; label: string }) {
  return (
    <div className="command">
      <code>{command}</code>
      <CopyButton text={command} label={label} />
    </div>
  );
}
