// One xterm in the page, following one terminal of the core (follower.ts: attach, place output
// by offset, acknowledge, step aside from floods), with its addons, and sending keystrokes and
// its size back.
import { Terminal, type ITheme } from '@xterm/xterm';
import { ClipboardAddon } from '@xterm/addon-clipboard';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import type { BooError } from '../../shared/contract.ts';
import type { AppStore } from '../state/store.ts';
import { createFollower } from './follower.ts';

export interface TerminalAppearance {
  readonly fontFamily: string;
  readonly fontSize: number;
  readonly scrollback: number;
  readonly copyOnSelect: boolean;
  readonly cursorBlink: boolean;
  readonly theme: ITheme;
}

export interface XtermViewOptions {
  readonly store: AppStore;
  readonly terminalId: string;
  /** An agent's terminal: shown, never typed into, never resizing the core's screen. */
  readonly isReadOnly: boolean;
  readonly appearance: TerminalAppearance;
  /** Rows to keep whatever the box's height (a tool card); the box's height otherwise. */
  readonly fixedRows?: number;
  readonly onFindRequest?: () => void;
  readonly onError?: (error: BooError) => void;
}

export interface XtermView {
  readonly search: SearchAddon;
  setVisible(isVisible: boolean): void;
  setAppearance(appearance: TerminalAppearance): void;
  size(): { cols: number; rows: number };
  focus(): void;
  dispose(): void;
}

export function createXtermView(container: HTMLElement, options: XtermViewOptions): XtermView {
  const { store, terminalId, isReadOnly } = options;
  let appearance = options.appearance;
  const terminal = new Terminal({
    fontFamily: appearance.fontFamily,
    fontSize: appearance.fontSize,
    scrollback: appearance.scrollback,
    theme: appearance.theme,
    allowProposedApi: true,
    cursorBlink: appearance.cursorBlink && !isReadOnly,
    disableStdin: isReadOnly,
    cursorInactiveStyle: isReadOnly ? 'none' : 'outline',
    rightClickSelectsWord: true,
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  terminal.loadAddon(fit);
  terminal.loadAddon(search);
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
  terminal.loadAddon(new ClipboardAddon());
  // Links open in the OS browser: the desktop app sends every window.open there.
  terminal.loadAddon(new WebLinksAddon((_event, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
  terminal.open(container);
  loadGpuRenderer(terminal);

  const viewerId = randomId();
  let isVisible = false;
  let isDisposed = false;
  /** The size the core was last told (or attached at); nothing is sent before the first attachment. */
  let sentSize = { cols: 0, rows: 0 };
  let fitFrame = 0;

  const follower = createFollower(
    {
      get cols() {
        return terminal.cols;
      },
      get rows() {
        return terminal.rows;
      },
      write: (data, parsed) => terminal.write(data, parsed),
      resize: (cols, rows) => terminal.resize(cols, rows),
    },
    {
      attach: (detachBeyond) => store.call('terminals.attach', { terminalId, viewerId, detachBeyond }),
      look: (wait) => store.call('terminals.screen', { terminalId, ...wait }),
      detach: () => void store.call('terminals.detach', { terminalId, viewerId }),
      ack: (offset) => store.call('terminals.ack', { terminalId, viewerId, offset }),
    },
    {
      onAttached: ({ cols, rows }) => {
        sentSize = { cols, rows };
        scheduleFit();
      },
      onError: (error) => options.onError?.(error),
    },
  );
  const stopOutput = store.onTerminalEvents(terminalId, (event) => {
    if (event.type === 'terminal.output.appended') follower.take(event);
    else if (event.viewerId === viewerId) follower.detached();
  });
  // The stream was re-established (a reconnect, a resync): output may have been missed on the way.
  const stopRestart = store.onStreamRestart(() => void follower.reattach());
  const resizeObserver = new ResizeObserver(() => scheduleFit());
  resizeObserver.observe(container);

  if (!isReadOnly) {
    terminal.onData((data) => void store.call('terminals.input', { terminalId, data }));
  }
  terminal.onSelectionChange(() => {
    if (!appearance.copyOnSelect || !terminal.hasSelection()) return;
    // Refused without a user gesture or permission: the selection stays, copy by key instead.
    navigator.clipboard?.writeText(terminal.getSelection()).catch(() => undefined);
  });
  terminal.attachCustomKeyEventHandler((event) => {
    if (event.type !== 'keydown') return true;
    if (isFindKey(event)) {
      event.preventDefault();
      options.onFindRequest?.();
      return false;
    }
    if (isCopyKey(event) && terminal.hasSelection()) {
      event.preventDefault();
      navigator.clipboard?.writeText(terminal.getSelection()).catch(() => undefined);
      return false;
    }
    // The browser's own paste follows (xterm takes the paste event); xterm must not send ^V.
    if (isPasteKey(event)) return false;
    // Left to bubble to the workspace's shortcuts.
    return !isWorkspaceKey(event);
  });

  return {
    search,
    setVisible(next) {
      isVisible = next;
      if (next) scheduleFit();
    },
    setAppearance(next) {
      appearance = next;
      terminal.options.fontFamily = next.fontFamily;
      terminal.options.fontSize = next.fontSize;
      terminal.options.scrollback = next.scrollback;
      terminal.options.theme = next.theme;
      terminal.options.cursorBlink = next.cursorBlink && !isReadOnly;
      scheduleFit();
    },
    size: () => ({ cols: terminal.cols, rows: terminal.rows }),
    focus: () => terminal.focus(),
    dispose() {
      isDisposed = true;
      cancelAnimationFrame(fitFrame);
      resizeObserver.disconnect();
      stopOutput();
      stopRestart();
      follower.dispose();
      void store.call('terminals.detach', { terminalId, viewerId });
      terminal.dispose();
    },
  };

  function scheduleFit(): void {
    cancelAnimationFrame(fitFrame);
    fitFrame = requestAnimationFrame(fitNow);
  }

  function fitNow(): void {
    if (isDisposed || !isVisible || container.clientWidth === 0 || container.clientHeight === 0) return;
    const proposed = fit.proposeDimensions();
    if (!proposed || !Number.isFinite(proposed.cols) || !Number.isFinite(proposed.rows)) return;
    const cols = Math.max(2, proposed.cols);
    const rows = Math.max(1, options.fixedRows ?? proposed.rows);
    if (cols !== terminal.cols || rows !== terminal.rows) terminal.resize(cols, rows);
    if (isReadOnly || sentSize.cols === 0 || (cols === sentSize.cols && rows === sentSize.rows)) return;
    sentSize = { cols, rows };
    void store.call('terminals.resize', { terminalId, cols, rows });
  }
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

function isFindKey(event: KeyboardEvent): boolean {
  return event.key.toLowerCase() === 'f' && (isMac ? event.metaKey : event.ctrlKey) && !event.altKey && !event.shiftKey;
}

function isCopyKey(event: KeyboardEvent): boolean {
  return event.key.toLowerCase() === 'c' && (isMac ? event.metaKey && !event.shiftKey : event.ctrlKey && event.shiftKey);
}

function isPasteKey(event: KeyboardEvent): boolean {
  return event.key.toLowerCase() === 'v' && (isMac ? event.metaKey && !event.shiftKey : event.ctrlKey && event.shiftKey);
}

/**
 * Keys the workspace keeps while a terminal has focus. On macOS every Cmd key (the shell never
 * sees Cmd). Elsewhere the shell keeps Ctrl+letter (^C, ^W, ^K, ^R…) and Alt+letter (readline's
 * Meta); the workspace gets what a shell has little use for: Ctrl+Shift, Ctrl+Alt, Ctrl+digit,
 * F-keys, and Ctrl+\ (split, as in VS Code; SIGQUIT is rarely typed).
 */
function isWorkspaceKey(event: KeyboardEvent): boolean {
  if (isMac) return event.metaKey;
  if (/^F\d+$/.test(event.key)) return true;
  if (event.ctrlKey && (event.shiftKey || event.altKey)) return true;
  return event.ctrlKey && (/^Digit[1-9]$/.test(event.code) || event.code === 'Backslash');
}

let hasHardwareWebgl: boolean | undefined;

/**
 * The WebGL renderer where a GPU draws it; the DOM renderer otherwise. A software WebGL
 * (SwiftShader, llvmpipe: headless browsers, VMs) is slower than the DOM renderer. A lost
 * context (a GPU reset, too many contexts) falls back to the DOM renderer too.
 */
function loadGpuRenderer(terminal: Terminal): void {
  hasHardwareWebgl ??= detectHardwareWebgl();
  if (!hasHardwareWebgl) return;
  try {
    const webgl = new WebglAddon();
    webgl.onContextLoss(() => webgl.dispose());
    terminal.loadAddon(webgl);
  } catch {
    // No WebGL2 after all: the DOM renderer, already in place, stays.
  }
}

function detectHardwareWebgl(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer !== '' && !/swiftshader|llvmpipe|softpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
