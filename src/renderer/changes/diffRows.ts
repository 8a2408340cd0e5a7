// A file's hunks as the rows the diff view shows, unified or side by side: one header row per
// hunk, then its lines with their numbers in the project and in the worktree. Pure, so the view
// only virtualizes and paints.
import type { Hunk } from '../../shared/changes.ts';

export type DiffLineKind = 'context' | 'added' | 'removed' | 'note';

export interface DiffSide {
  readonly number: number | null;
  readonly text: string;
  readonly kind: DiffLineKind;
  /** Index of the line in its hunk's old- or new-side text, for highlighting. */
  readonly sideIndex: number | null;
}

export type DiffRow =
  | { readonly kind: 'hunk'; readonly hunkIndex: number; readonly hunk: Hunk }
  | { readonly kind: 'line'; readonly hunkIndex: number; readonly left: DiffSide | null; readonly right: DiffSide | null };

/** The old and the new text of a hunk (context on both), the unit the highlighter colours. */
export function hunkTexts(hunk: Hunk): { old: string; new: string } {
  const old: string[] = [];
  const next: string[] = [];
  for (const line of hunk.lines) {
    const marker = line[0];
    const text = line.slice(1);
    if (marker === ' ') {
      old.push(text);
      next.push(text);
    } else if (marker === '-') old.push(text);
    else if (marker === '+') next.push(text);
  }
  return { old: old.join('\n'), new: next.join('\n') };
}

export function diffRows(hunks: readonly Hunk[], mode: 'unified' | 'split'): DiffRow[] {
  const rows: DiffRow[] = [];
  hunks.forEach((hunk, hunkIndex) => {
    rows.push({ kind: 'hunk', hunkIndex, hunk });
    let oldNumber = hunk.oldStart;
    let newNumber = hunk.newStart;
    let oldIndex = 0;
    let newIndex = 0;
    // Side by side, removed and added runs are paired line by line.
    let removed: DiffSide[] = [];
    let added: DiffSide[] = [];
    const flush = () => {
      const length = Math.max(removed.length, added.length);
      for (let index = 0; index < length; index += 1) rows.push({ kind: 'line', hunkIndex, left: removed[index] ?? null, right: added[index] ?? null });
      removed = [];
      added = [];
    };
    for (const line of hunk.lines) {
      const marker = line[0];
      const text = line.slice(1);
      if (marker === '\\') {
        if (mode === 'split') flush();
        rows.push({ kind: 'line', hunkIndex, left: null, right: { number: null, text: text.trim(), kind: 'note', sideIndex: null } });
        continue;
      }
      if (marker === '-') {
        const side: DiffSide = { number: oldNumber++, text, kind: 'removed', sideIndex: oldIndex++ };
        if (mode === 'split') removed.push(side);
        else rows.push({ kind: 'line', hunkIndex, left: side, right: null });
        continue;
      }
      if (marker === '+') {
        const side: DiffSide = { number: newNumber++, text, kind: 'added', sideIndex: newIndex++ };
        if (mode === 'split') added.push(side);
        else rows.push({ kind: 'line', hunkIndex, left: null, right: side });
        continue;
      }
      if (mode === 'split') flush();
      rows.push({
        kind: 'line',
        hunkIndex,
        left: { number: oldNumber++, text, kind: 'context', sideIndex: oldIndex++ },
        right: { number: newNumber++, text, kind: 'context', sideIndex: newIndex++ },
      });
    }
    if (mode === 'split') flush();
  });
  return rows;
}

const languages: Record<string, string> = {
  ts: 'typescript',
  tsx: 'tsx',
  mts: 'typescript',
  cts: 'typescript',
  js: 'javascript',
  jsx: 'jsx',
  mjs: 'javascript',
  cjs: 'javascript',
  json: 'json',
  md: 'markdown',
  py: 'python',
  rs: 'rust',
  go: 'go',
  java: 'java',
  kt: 'kotlin',
  rb: 'ruby',
  php: 'php',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
  cs: 'csharp',
  swift: 'swift',
  css: 'css',
  scss: 'scss',
  html: 'html',
  vue: 'vue',
  svelte: 'svelte',
  sh: 'shellscript',
  bash: 'shellscript',
  zsh: 'shellscript',
  yml: 'yaml',
  yaml: 'yaml',
  toml: 'toml',
  sql: 'sql',
  xml: 'xml',
  dockerfile: 'docker',
};

/** The highlighter's language for a path, by its extension ('' when unknown: shown plain). */
export function languageOf(path: string): string {
  const name = path.split('/').at(-1)?.toLowerCase() ?? '';
  if (name === 'dockerfile') return 'docker';
  const extension = name.includes('.') ? (name.split('.').at(-1) ?? '') : '';
  return languages[extension] ?? '';
}
