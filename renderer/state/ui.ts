/**
 * UI state that is not remote data: what is selected and filtered, which dialog is open, the theme. Where
 * the user is lives in `route.ts` (the address bar); filters and selection belong to the list they were
 * made in, so a route change that leaves it clears them here.
 */
import { create } from 'zustand';
import type { EngineKind, LocalImage } from '../../shared/types';
import type { Route } from '../lib/routes';
import { onRouteChange } from './route';

export type Theme = 'system' | 'light' | 'dark';
export type TagSort = 'created' | 'name';

export type Dialog =
  | { kind: 'push'; files: File[]; paths: string[] }
  | { kind: 'pull'; connectionId: string; repository: string; reference: string }
  | { kind: 'delete'; connectionId: string; repository: string; tags: string[]; digests: string[] }
  | { kind: 'retag'; connectionId: string; repository: string; reference: string }
  /** Copy to any connection: one tag or digest (`platform`: one of its index), or several tags. */
  | { kind: 'copy'; connectionId: string; repository: string; references: string[]; platform?: string }
  | { kind: 'sync'; connectionId: string; repository: string }
  | { kind: 'open-repository'; connectionId: string }
  /** "Push to…" an image of a local engine (`connectionId`: the connection it was dropped on). */
  | { kind: 'engine-push'; engine: EngineKind; image: LocalImage; connectionId?: string }
  | { kind: 'cleanup'; connectionId: string; repository: string };

/** A delete started from a dialog: the repository screen says what it removes, then what it removed. */
export interface DeleteNotice {
  jobId: string;
  connectionId: string;
  repository: string;
  /** "image 0123456789ab (tags 1.1, latest)", "tag gone", "3 tags: a1, b2, c3". */
  what: string;
}

const THEME_KEY = 'lading.theme';
const MANUAL_KEY = 'lading.manualRepositories';

function initialManualRepositories(): Record<string, string[]> {
  try {
    const saved = JSON.parse(localStorage.getItem(MANUAL_KEY) ?? '{}') as unknown;
    if (saved && typeof saved === 'object' && !Array.isArray(saved)) return saved as Record<string, string[]>;
  } catch {
    // nothing saved, or unreadable: start empty
  }
  return {};
}

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(THEME_KEY);
    if (saved === 'light' || saved === 'dark' || saved === 'system') return saved;
  } catch {
    // storage unavailable (tests, privacy mode)
  }
  return 'system';
}

interface UiState {
  /** Repositories the user opened by name on registries without a catalog, per connection. */
  manualRepositories: Record<string, string[]>;
  repoFilter: string;
  tagFilter: string;
  tagSort: TagSort;
  /** Selected tags in the current tag table. */
  selection: Set<string>;
  /** Anchor of a Shift+click range. */
  selectionAnchor: string | null;
  dialog: Dialog | null;
  deleteNotice: DeleteNotice | null;
  transfersOpen: boolean;
  theme: Theme;
  toasts: { id: number; text: string; tone: 'ok' | 'error' }[];

  setRepoFilter(filter: string): void;
  setTagFilter(filter: string): void;
  setTagSort(sort: TagSort): void;
  setSelection(selection: Set<string>, anchor?: string | null): void;
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
  setDeleteNotice(notice: DeleteNotice | null): void;
  setTransfersOpen(open: boolean): void;
  setTheme(theme: Theme): void;
  addManualRepository(connectionId: string, repository: string): void;
  toast(text: string, tone?: 'ok' | 'error'): void;
  dismissToast(id: number): void;
}

let toastId = 0;

/** The store after moving from `previous` to `route`: filters and selection belong to the list they were made in. */
function enterRoute(s: UiState, route: Route, previous: Route): Partial<UiState> {
  const sameRepo =
    'repository' in route &&
    'repository' in previous &&
    route.repository === previous.repository &&
    route.connectionId === previous.connectionId;
  const sameConnection =
    'connectionId' in route && 'connectionId' in previous && route.connectionId === previous.connectionId;
  return {
    tagFilter: sameRepo ? s.tagFilter : '',
    selection: sameRepo ? s.selection : new Set(),
    repoFilter: sameConnection ? s.repoFilter : '',
  };
}

export const useUi = create<UiState>((set) => ({
  manualRepositories: initialManualRepositories(),
  repoFilter: '',
  tagFilter: '',
  tagSort: 'created',
  selection: new Set(),
  selectionAnchor: null,
  dialog: null,
  deleteNotice: null,
  transfersOpen: false,
  theme: initialTheme(),
  toasts: [],

  setRepoFilter: (repoFilter) => set({ repoFilter }),
  setTagFilter: (tagFilter) => set({ tagFilter }),
  setTagSort: (tagSort) => set({ tagSort }),
  setSelection: (selection, anchor) =>
    set((s) => ({ selection, selectionAnchor: anchor === undefined ? s.selectionAnchor : anchor })),
  openDialog: (dialog) => set({ dialog }),
  closeDialog: () => set({ dialog: null }),
  setDeleteNotice: (deleteNotice) => set({ deleteNotice }),
  setTransfersOpen: (transfersOpen) => set({ transfersOpen }),
  setTheme: (theme) => {
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // not persisted; still applied
    }
    set({ theme });
  },
  addManualRepository: (connectionId, repository) =>
    set((s) => {
      const list = s.manualRepositories[connectionId] ?? [];
      if (list.includes(repository)) return {};
      const manualRepositories = { ...s.manualRepositories, [connectionId]: [...list, repository] };
      try {
        // Remembered across restarts: registries without a catalog cannot list these again.
        localStorage.setItem(MANUAL_KEY, JSON.stringify(manualRepositories));
      } catch {
        // not persisted; still listed this session
      }
      return { manualRepositories };
    }),
  toast: (text, tone = 'ok') =>
    set((s) => ({ toasts: [...s.toasts.slice(-3), { id: ++toastId, text, tone }] })),
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

onRouteChange((route, previous) => useUi.setState((s) => enterRoute(s, route, previous)));
