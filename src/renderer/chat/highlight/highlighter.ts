// Syntax highlighting with shiki (the JavaScript regex engine: no WebAssembly, which the page's
// CSP would refuse), in both themes at once so a theme switch needs no re-highlight. Languages
// load on first use. Runs in a worker (highlight.worker.ts); the same code runs on the main
// thread where workers are unavailable.
import { createHighlighterCore, type HighlighterCore } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import { bundledLanguages, bundledLanguagesAlias } from 'shiki/langs';
import githubDark from 'shiki/themes/github-dark.mjs';
import githubLight from 'shiki/themes/github-light.mjs';

/** One highlighted line: runs of text with their colours in the light and the dark theme. */
export type HighlightedLine = readonly { readonly text: string; readonly light: string; readonly dark: string }[];

let highlighter: Promise<HighlighterCore> | undefined;
const loaded = new Set<string>();

export async function highlightCode(code: string, language: string): Promise<HighlightedLine[] | null> {
  const id = resolveLanguage(language);
  if (!id) return null;
  highlighter ??= createHighlighterCore({ themes: [githubLight, githubDark], langs: [], engine: createJavaScriptRegexEngine({ forgiving: true }) });
  const core = await highlighter;
  if (!loaded.has(id)) {
    const load = bundledLanguages[id as keyof typeof bundledLanguages];
    if (!load) return null;
    await core.loadLanguage(await load());
    loaded.add(id);
  }
  const result = core.codeToTokens(code, { lang: id, themes: { light: 'github-light', dark: 'github-dark' }, defaultColor: false });
  return result.tokens.map((line) =>
    line.map((token) => ({
      text: token.content,
      light: String(token.htmlStyle?.['--shiki-light'] ?? ''),
      dark: String(token.htmlStyle?.['--shiki-dark'] ?? ''),
    })),
  );
}

function resolveLanguage(language: string): string | undefined {
  const name = language.trim().toLowerCase().split(/\s+/)[0] ?? '';
  if (name === '') return undefined;
  if (name in bundledLanguages) return name;
  const alias = (bundledLanguagesAlias as Record<string, unknown>)[name];
  return typeof alias === 'function' ? name : undefined;
}
