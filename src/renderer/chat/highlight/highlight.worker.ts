// The highlighting worker: code in, coloured lines out, off the main thread so that typing and
// streaming never wait for a grammar.
import { highlightCode } from './highlighter.ts';

self.onmessage = async (event: MessageEvent<{ id: number; code: string; language: string }>) => {
  const { id, code, language } = event.data;
  try {
    self.postMessage({ id, lines: await highlightCode(code, language) });
  } catch {
    self.postMessage({ id, lines: null }); // a grammar that fails to load: the block stays plain
  }
};
