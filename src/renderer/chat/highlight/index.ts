// Highlighted code for the chat and the changes view: results are cached by language and text,
// so a finished block is highlighted once however often it is shown.
import type { HighlightedLine } from './highlighter.ts';

export type { HighlightedLine };

const cacheLimit = 500;
const cache = new Map<string, Promise<HighlightedLine[] | null>>();
let worker: Worker | undefined | null;
let nextId = 1;
const waiting = new Map<number, (lines: HighlightedLine[] | null) => void>();

function startWorker(): Worker | null {
  try {
    const created = new Worker(new URL('./highlight.worker.ts', import.meta.url), { type: 'module' });
    created.onmessage = (event: MessageEvent<{ id: number; lines: HighlightedLine[] | null }>) => {
      waiting.get(event.data.id)?.(event.data.lines);
      waiting.delete(event.data.id);
    };
    return created;
  } catch {
    return null; // no module workers here: highlight on the main thread instead
  }
}

export function highlight(code: string, language: string): Promise<HighlightedLine[] | null> {
  const key = `${language}\u0000${code}`;
  const cached = cache.get(key);
  if (cached) return cached;
  if (worker === undefined) worker = startWorker();
  const running = worker
    ? new Promise<HighlightedLine[] | null>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        worker?.postMessage({ id, code, language });
      })
    : import('./highlighter.ts').then((module) => module.highlightCode(code, language)).catch(() => null);
  cache.set(key, running);
  if (cache.size > cacheLimit) cache.delete(cache.keys().next().value as string);
  return running;
}

/** A highlight already done, without waiting (so a re-render shows colours at once). */
export function highlighted(code: string, language: string): HighlightedLine[] | null | undefined {
  return settled.get(`${language}\u0000${code}`);
}

const settled = new Map<string, HighlightedLine[] | null>();

export function rememberSettled(code: string, language: string, lines: HighlightedLine[] | null): void {
  settled.set(`${language}\u0000${code}`, lines);
  if (settled.size > cacheLimit) settled.delete(settled.keys().next().value as string);
}
