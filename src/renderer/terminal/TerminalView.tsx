// BooTerm's view: one xterm following one terminal of the core, with find (Ctrl/Cmd+F), fonts
// and colours from the settings and the theme. Used by terminal tabs and, read-only, by the
// chat's tool cards for the commands agents run.
import '@xterm/xterm/css/xterm.css';
import './terminal.css';
import { useEffect, useMemo, useRef, useState, type FormEvent, type MutableRefObject } from 'react';
import { ChevronDown, ChevronUp, X } from 'lucide-react';
import type { ITheme } from '@xterm/xterm';
import { useWindow, type AppStore } from '../state/store.ts';
import { createXtermView, type TerminalAppearance, type XtermView } from './xtermView.ts';

export interface TerminalViewProps {
  readonly store: AppStore;
  readonly terminalId: string;
  readonly isVisible: boolean;
  /** Takes the keyboard when it becomes true (the tab got the focus). */
  readonly isFocused?: boolean;
  readonly isReadOnly?: boolean;
  /** Rows to keep (a tool card); fills its box otherwise. */
  readonly fixedRows?: number;
  /** The accessible name of the terminal's region. */
  readonly label: string;
  /** Receives the view once it exists, for the tab's actions (restart needs its size). */
  readonly viewRef?: MutableRefObject<XtermView | undefined>;
}

export function TerminalView({ store, terminalId, isVisible, isFocused = false, isReadOnly = false, fixedRows, label, viewRef }: TerminalViewProps) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<XtermView | undefined>(undefined);
  const appearance = useTerminalAppearance(store);
  const firstAppearance = useRef(appearance);
  const [isFinding, setFinding] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const created = createXtermView(element, {
      store,
      terminalId,
      isReadOnly,
      appearance: firstAppearance.current,
      fixedRows,
      onFindRequest: () => setFinding(true),
      onError: (failure) => setError(failure.message),
    });
    view.current = created;
    if (viewRef) viewRef.current = created;
    return () => {
      created.dispose();
      view.current = undefined;
      if (viewRef) viewRef.current = undefined;
    };
  }, [store, terminalId, isReadOnly, fixedRows, viewRef]);
  useEffect(() => view.current?.setAppearance(appearance), [appearance]);
  useEffect(() => view.current?.setVisible(isVisible), [isVisible, terminalId]);
  useEffect(() => {
    if (isFocused && isVisible && !isReadOnly) view.current?.focus();
  }, [isFocused, isVisible, isReadOnly, terminalId]);

  return (
    <div className="terminal-view" role="region" aria-label={label}>
      {isFinding && (
        <FindBar
          view={view}
          onClose={() => {
            setFinding(false);
            view.current?.focus();
          }}
        />
      )}
      {error && <p className="terminal-error" role="alert">{error}</p>}
      <div ref={box} className="terminal-surface" />
    </div>
  );
}

function FindBar({ view, onClose }: { view: MutableRefObject<XtermView | undefined>; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [isMissing, setMissing] = useState(false);
  function find(direction: 'next' | 'previous'): void {
    const search = view.current?.search;
    if (!search || query === '') return;
    const options = { decorations: findDecorations, incremental: direction === 'next' };
    setMissing(!(direction === 'next' ? search.findNext(query, options) : search.findPrevious(query, options)));
  }
  function onSubmit(event: FormEvent): void {
    event.preventDefault();
    find('next');
  }
  return (
    <form className="terminal-find" role="search" aria-label="Find in terminal" onSubmit={onSubmit}>
      <input
        type="search"
        aria-label="Find"
        placeholder="Find"
        value={query}
        autoFocus
        className={isMissing ? 'missing' : undefined}
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            view.current?.search.clearDecorations();
            onClose();
          } else if (event.key === 'Enter' && event.shiftKey) {
            event.preventDefault();
            find('previous');
          }
        }}
      />
      <button type="button" aria-label="Previous match" title="Previous match (Shift+Enter)" onClick={() => find('previous')}>
        <ChevronUp size={14} aria-hidden="true" />
      </button>
      <button type="submit" aria-label="Next match" title="Next match (Enter)">
        <ChevronDown size={14} aria-hidden="true" />
      </button>
      <button
        type="button"
        aria-label="Close find"
        title="Close (Escape)"
        onClick={() => {
          view.current?.search.clearDecorations();
          onClose();
        }}
      >
        <X size={14} aria-hidden="true" />
      </button>
    </form>
  );
}

const findDecorations = {
  matchOverviewRuler: '#a597ff',
  activeMatchColorOverviewRuler: '#f5a524',
  matchBackground: '#5b4fb0',
  activeMatchBackground: '#b07a10',
} as const;

/** Font, size, scrollback and copy-on-select from the settings; colours from the app's theme. */
function useTerminalAppearance(store: AppStore): TerminalAppearance {
  const settings = useWindow(store, (state) => state.client.settings);
  const [scheme, setScheme] = useState(currentScheme);
  useEffect(() => {
    // The shell applies the theme in its own effect, after this one: read the result a frame later.
    const update = () => setScheme(currentScheme());
    const frame = requestAnimationFrame(update);
    const media = window.matchMedia('(prefers-color-scheme: light)');
    media.addEventListener('change', update);
    return () => {
      cancelAnimationFrame(frame);
      media.removeEventListener('change', update);
    };
  }, [settings?.theme]);
  const fontFamily = settings?.terminalFontFamily ?? 'monospace';
  const fontSize = settings?.terminalFontSize ?? 13;
  const scrollback = settings?.terminalScrollback ?? 1000;
  const copyOnSelect = settings?.terminalCopyOnSelect ?? false;
  const cursorBlink = settings?.terminalCursorBlink ?? false;
  return useMemo(
    () => ({ fontFamily, fontSize, scrollback, copyOnSelect, cursorBlink, theme: themeFor(scheme) }),
    [fontFamily, fontSize, scrollback, copyOnSelect, cursorBlink, scheme],
  );
}

function currentScheme(): 'dark' | 'light' {
  return getComputedStyle(document.documentElement).colorScheme.includes('light') ? 'light' : 'dark';
}

function themeFor(scheme: 'dark' | 'light'): ITheme {
  const css = getComputedStyle(document.documentElement);
  const token = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const base: ITheme = {
    background: token('--bg-sunken', scheme === 'dark' ? '#0c0e12' : '#eef0f4'),
    foreground: token('--text', scheme === 'dark' ? '#e6e8ee' : '#1b1e24'),
    cursor: token('--accent-strong', '#a597ff'),
    cursorAccent: token('--bg-sunken', '#0c0e12'),
    selectionBackground: scheme === 'dark' ? 'rgba(165, 151, 255, 0.35)' : 'rgba(90, 72, 224, 0.25)',
  };
  // xterm's own palette reads well on a dark background; a light one needs darker colours (VS Code's Light+).
  if (scheme === 'dark') return base;
  return {
    ...base,
    black: '#000000',
    red: '#cd3131',
    green: '#107c10',
    yellow: '#949800',
    blue: '#0451a5',
    magenta: '#bc05bc',
    cyan: '#0598bc',
    white: '#555555',
    brightBlack: '#666666',
    brightRed: '#cd3131',
    brightGreen: '#14ce14',
    brightYellow: '#b5ba00',
    brightBlue: '#0451a5',
    brightMagenta: '#bc05bc',
    brightCyan: '#0598bc',
    brightWhite: '#a5a5a5',
  };
}
