/**
 * "More actions" for a row whose action buttons do not fit (narrow windows): a button that opens a menu
 * of the same actions, drawn over the page (a portal, so no scroll container clips it). Arrow keys move,
 * Enter runs, Escape and a click outside close, and focus goes back to the button.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { Icon } from './Icon';

export interface RowAction {
  label: string;
  run: () => void;
  danger?: boolean;
}

export function RowMenu({ label, actions }: { label: string; actions: RowAction[] }) {
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<{ top: number; right: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    if (!open || !button.current) return;
    const r = button.current.getBoundingClientRect();
    setPlace({ top: r.bottom + 2, right: Math.max(4, window.innerWidth - r.right) });
  }, [open]);

  const shown = open && place !== null;
  useEffect(() => {
    if (!shown) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const outside = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) {
        setOpen(false);
      }
    };
    window.addEventListener('mousedown', outside);
    return () => window.removeEventListener('mousedown', outside);
  }, [shown]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  function onKeyDown(e: React.KeyboardEvent) {
    // Keys stay in the menu: the tag grid under it must not act on them too.
    e.stopPropagation();
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      close();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      items[e.key === 'Home' ? 0 : items.length - 1]?.focus();
    }
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        className="btn icon row-more"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        title="More actions"
        onClick={(e) => {
          e.stopPropagation();
          setOpen((o) => !o);
        }}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Escape') setOpen(false);
        }}
      >
        <Icon name="more" />
      </button>
      {shown &&
        createPortal(
          <div
            ref={menu}
            className="row-menu"
            role="menu"
            aria-label={label}
            tabIndex={-1}
            style={{ top: place?.top, right: place?.right }}
            onKeyDown={onKeyDown}
          >
            {actions.map((a) => (
              <button
                key={a.label}
                type="button"
                role="menuitem"
                className={`row-menu-item${a.danger ? ' danger-text' : ''}`}
                onClick={(e) => {
                  e.stopPropagation();
                  setOpen(false);
                  a.run();
                }}
              >
                {a.label}
              </button>
            ))}
          </div>,
          document.body,
        )}
    </>
  );
}
