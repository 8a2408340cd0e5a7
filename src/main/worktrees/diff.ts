// The difference between two trees as files and hunks, parsed with jsdiff (`diff`), which reads
// git's extended headers; paths come from git's NUL-separated raw output, so no quoting rule of
// the patch text can garble them. Patch text is handled as latin1, one character per byte, so
// files in any encoding survive parsing and the patches rebuilt from the parse apply byte-exact.
import { createHash } from 'node:crypto';
import { parsePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import type { ChangeKind, HunkId } from '../../shared/changes.ts';
import { git } from './git.ts';

export interface HunkDiff {
  readonly id: HunkId;
  /** As jsdiff gives them: a start is the number of the next line even when the side is empty. */
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** latin1, with their ' ', '-', '+', '\' prefixes. */
  readonly lines: readonly string[];
  readonly additions: number;
  readonly deletions: number;
}

export interface FileDiff {
  readonly path: string;
  readonly oldPath: string | null;
  readonly kind: ChangeKind;
  readonly isBinary: boolean;
  readonly oldMode: string | null;
  readonly newMode: string | null;
  /** The blob on the new side, null for a deletion: equal ids and modes mean equal files. */
  readonly newOid: string | null;
  readonly similarity: number | null;
  readonly additions: number;
  readonly deletions: number;
  readonly hunks: readonly HunkDiff[];
  /** Binary files, type changes and header-only changes cannot be split: they go whole. */
  readonly isWholeOnly: boolean;
}

/** One record of git's raw diff output. */
export interface RawEntry {
  readonly status: string;
  readonly score: number | null;
  readonly oldMode: string;
  readonly newMode: string;
  readonly newOid: string;
  readonly path: string;
  readonly oldPath: string | null;
}

const absentMode = '000000';

/** Files and hunks that turn tree `from` into tree `to`, with `context` lines around each change. */
export async function diffTrees(repo: string, from: string, to: string, context: number): Promise<FileDiff[]> {
  const reader = diffReader();
  await git(repo, ['diff-tree', '-r', '--no-commit-id', ...diffFlags(context), from, to], { onStdout: reader.push });
  return reader.end();
}

/**
 * Files and hunks that turn tree `from` into the content staged in the index file `indexFile`:
 * the same answer as diffing against that index's tree, without waiting for the tree to be
 * written. git prints every raw record before it starts on the patches; `onRaw` gets those
 * records (paths as latin1, byte for byte) as soon as they are complete, so that the index's
 * tree can be written from them while git is still making the patches. With `startOn`, git
 * starts on the index once that resolves (see GitOptions.startOn).
 */
export async function diffIndex(
  cwd: string,
  indexFile: string,
  from: string,
  context: number,
  { onRaw, startOn }: { onRaw?: (records: RawEntry[]) => void; startOn?: Promise<unknown> } = {},
): Promise<FileDiff[]> {
  const reader = diffReader(onRaw);
  await git(cwd, ['diff-index', '--cached', ...diffFlags(context), from], { env: { GIT_INDEX_FILE: indexFile }, onStdout: reader.push, startOn });
  return reader.end();
}

const sectionStart = '\ndiff --git ';

// One process prints both forms (`--raw -p`): the raw records, NUL-terminated, give the paths
// with no quoting rule to undo; the patch gives the hunks. A second process per diff cost as
// much again, since each has to read the same trees and blobs.
function diffFlags(context: number): string[] {
  return ['-M', '--no-ext-diff', '--no-textconv', '-z', '--raw', '-p', `--unified=${context.toString()}`];
}

/**
 * Reads `-z --raw -p` output as git prints it: the raw records, handed to `onRaw` as soon as
 * they are complete, then the patch, each file's section parsed once the next one begins, so
 * that the parsing is done while git still works on the files after it. `end` pairs each raw
 * record with its patch section.
 */
export function diffReader(onRaw?: (records: RawEntry[]) => void): { push: (chunk: Buffer) => void; end: () => FileDiff[] } {
  const rawChunks: Buffer[] = [];
  // latin1, one character per byte; set once the raw records are complete.
  let rawText: string | undefined;
  let lastByte = -1;
  const sections: StructuredPatch[] = [];
  // Patch text not parsed yet: the start of one file's section, in the pieces it came in.
  let unparsed: string[] = [];
  // Its last few characters, to find a header that straddles two pieces.
  let tail = '';

  function finishRaw(raw: Buffer): void {
    rawText = raw.toString('latin1');
    onRaw?.(parseRaw(rawText));
  }

  function pushPatch(text: string): void {
    if (text === '') return;
    // A line that starts with "diff --git " can only be a file's header (a patch line starts
    // with ' ', '+', '-', '\' or '@'): everything before the last one is whole sections. Only
    // the new text is searched, so a file's long section is not read again with every piece.
    const searched = tail + text;
    let cut = -1;
    for (let at = searched.indexOf(sectionStart); at >= 0; at = searched.indexOf(sectionStart, at + 1)) cut = at;
    if (cut < 0) {
      unparsed.push(text);
      tail = searched.slice(-(sectionStart.length - 1));
      return;
    }
    const before = unparsed.join('');
    const all = before + text;
    // Just after the newline that ends the last whole section.
    const end = before.length + (cut - tail.length) + 1;
    for (const section of parsePatch(all.slice(0, end))) sections.push(section);
    const rest = all.slice(end);
    unparsed = [rest];
    tail = rest.slice(-(sectionStart.length - 1));
  }

  return {
    push(chunk) {
      if (rawText !== undefined) {
        pushPatch(chunk.toString('latin1'));
        return;
      }
      // Raw records never hold an empty field, so the first pair of NULs (an empty record under
      // -z) ends them: the first NUL ends the last record, the second comes before the patch.
      // The pair can straddle two chunks.
      const isStraddling = lastByte === 0 && chunk[0] === 0;
      const pair = isStraddling ? -1 : chunk.indexOf('\0\0', 0, 'latin1');
      if (!isStraddling && pair < 0) {
        rawChunks.push(chunk);
        lastByte = chunk.at(-1) ?? lastByte;
        return;
      }
      const rawEnd = pair + 1;
      finishRaw(Buffer.concat([...rawChunks, chunk.subarray(0, rawEnd)]));
      pushPatch(chunk.subarray(rawEnd + 1).toString('latin1'));
    },
    end() {
      // No patch at all (nothing changed, or only what has no patch): the output was all records.
      if (rawText === undefined) finishRaw(Buffer.concat(rawChunks));
      const entries = parseRaw(Buffer.from(rawText ?? '', 'latin1').toString('utf8'));
      if (entries.length === 0) return [];
      for (const section of parsePatch(unparsed.join(''))) sections.push(section);
      unparsed = [];
      const files: FileDiff[] = [];
      let next = 0;
      for (const entry of entries) {
        const section = sections[next++];
        if (!section) throw new Error(`git printed fewer patches than files (${sections.length.toString()} for ${entries.length.toString()}).`);
        // git prints a type change (file ⇄ symlink) as a deletion followed by a creation.
        if (entry.status === 'T') next += 1;
        files.push(toFileDiff(entry, section));
      }
      return files;
    },
  };
}

/** Paths whose content or mode differs between two trees (renames not paired). */
export async function changedPaths(repo: string, from: string, to: string): Promise<string[]> {
  const out = await git(repo, ['diff-tree', '-r', '-z', '--no-renames', '--name-only', '--no-commit-id', from, to]);
  return out.split('\0').filter((path) => path !== '');
}

/** Raw records (`-z --raw`), paths decoded as the string was. */
export function parseRaw(raw: string): RawEntry[] {
  const fields = raw.split('\0');
  const entries: RawEntry[] = [];
  let index = 0;
  while (index < fields.length) {
    const meta = fields[index++];
    if (meta === undefined || meta === '') continue;
    // ":<old mode> <new mode> <old sha> <new sha> <status><score>"
    const [oldMode = '', newMode = '', , newOid = '', statusField = ''] = meta.slice(1).split(' ');
    const status = statusField.charAt(0);
    const score = statusField.length > 1 ? Number(statusField.slice(1)) : null;
    const first = fields[index++] ?? '';
    if (status === 'R' || status === 'C') {
      const second = fields[index++] ?? '';
      entries.push({ status, score, oldMode, newMode, newOid, path: second, oldPath: first });
    } else {
      entries.push({ status, score, oldMode, newMode, newOid, path: first, oldPath: null });
    }
  }
  return entries;
}

function toFileDiff(entry: RawEntry, section: StructuredPatch): FileDiff {
  const kind = changeKind(entry.status);
  const isBinary = section.isBinary === true;
  const hunks = kind === 'type-changed' || isBinary ? [] : withIds(entry.path, section.hunks);
  let additions = 0;
  let deletions = 0;
  for (const hunk of hunks) {
    additions += hunk.additions;
    deletions += hunk.deletions;
  }
  return {
    path: entry.path,
    oldPath: kind === 'renamed' ? entry.oldPath : null,
    kind,
    isBinary,
    oldMode: entry.oldMode === absentMode ? null : entry.oldMode,
    newMode: entry.newMode === absentMode ? null : entry.newMode,
    newOid: kind === 'deleted' ? null : entry.newOid,
    similarity: kind === 'renamed' ? entry.score : null,
    additions,
    deletions,
    hunks,
    isWholeOnly: hunks.length === 0,
  };
}

function changeKind(status: string): ChangeKind {
  switch (status) {
    case 'A':
    case 'C': // not produced without -C; a copy leaves its source alone, so it reads as an addition
      return 'added';
    case 'D':
      return 'deleted';
    case 'R':
      return 'renamed';
    case 'T':
      return 'type-changed';
    default:
      return 'modified';
  }
}

/**
 * A hunk's id hashes its path and its removed and added lines, not its line numbers or
 * context: applying, rejecting or editing other hunks moves it and changes its context, but
 * it is still the same change. Identical hunks in one file are told apart by their order.
 */
function withIds(path: string, hunks: readonly StructuredPatchHunk[]): HunkDiff[] {
  const seen = new Map<string, number>();
  return hunks.map((hunk) => {
    let additions = 0;
    let deletions = 0;
    const changed: string[] = [];
    for (const line of hunk.lines) {
      const marker = line.charAt(0);
      if (marker === '+') additions += 1;
      else if (marker === '-') deletions += 1;
      if (marker !== ' ') changed.push(line);
    }
    const content = createHash('sha1').update(path).update('\0').update(changed.join('\n'), 'latin1').digest('hex');
    const occurrence = seen.get(content) ?? 0;
    seen.set(content, occurrence + 1);
    const id = occurrence === 0 ? content.slice(0, 24) : createHash('sha1').update(`${content}#${occurrence}`).digest('hex').slice(0, 24);
    return {
      id: `h${id}` as HunkId,
      oldStart: hunk.oldStart,
      oldLines: hunk.oldLines,
      newStart: hunk.newStart,
      newLines: hunk.newLines,
      lines: hunk.lines,
      additions,
      deletions,
    };
  });
}

/**
 * A git patch holding only `hunks` of `file`, with every new-side start recomputed as if the
 * left-out hunks were not there. Header changes (creation, deletion, rename, mode) travel with
 * any hunk of the file, since a hunk cannot land without them.
 */
export function partialPatch(file: FileDiff, hunks: readonly HunkDiff[]): Buffer {
  const oldPath = file.oldPath ?? file.path;
  const header: string[] = [`diff --git ${quotePath(`a/${oldPath}`)} ${quotePath(`b/${file.path}`)}`];
  if (file.kind === 'added') header.push(`new file mode ${file.newMode ?? '100644'}`);
  else if (file.kind === 'deleted') header.push(`deleted file mode ${file.oldMode ?? '100644'}`);
  else if (file.oldMode !== file.newMode && file.oldMode !== null && file.newMode !== null) {
    header.push(`old mode ${file.oldMode}`, `new mode ${file.newMode}`);
  }
  if (file.kind === 'renamed') header.push(`rename from ${quotePath(oldPath)}`, `rename to ${quotePath(file.path)}`);
  header.push(`--- ${file.kind === 'added' ? '/dev/null' : quotePath(`a/${oldPath}`)}`);
  header.push(`+++ ${file.kind === 'deleted' ? '/dev/null' : quotePath(`b/${file.path}`)}`);
  const body: string[] = [];
  let delta = 0;
  for (const hunk of [...hunks].sort((a, b) => a.oldStart - b.oldStart)) {
    const newStart = hunk.oldStart + delta;
    // Unified diff prints the start of an empty side as the line before it.
    const printedOld = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const printedNew = hunk.newLines === 0 ? newStart - 1 : newStart;
    body.push(`@@ -${printedOld},${hunk.oldLines} +${printedNew},${hunk.newLines} @@`, ...hunk.lines);
    delta += hunk.newLines - hunk.oldLines;
  }
  return Buffer.concat([Buffer.from(`${header.join('\n')}\n`, 'utf8'), Buffer.from(`${body.join('\n')}\n`, 'latin1')]);
}

/** git's own patch for whole files (binary data included), for the files hunks cannot express. */
export async function wholeFilePatch(repo: string, from: string, to: string, files: readonly FileDiff[]): Promise<Buffer> {
  if (files.length === 0) return Buffer.alloc(0);
  const paths = files.flatMap((file) => (file.oldPath === null ? [file.path] : [file.oldPath, file.path]));
  const text = await git(
    repo,
    ['diff-tree', '-r', '-M', '-p', '--binary', '--full-index', '--no-commit-id', '--no-ext-diff', '--no-textconv', from, to, '--', ...paths.map((path) => `:(literal)${path}`)],
    { encoding: 'latin1' },
  );
  return Buffer.from(text, 'latin1');
}

/** Hunk lines as people read them: the bytes decoded as UTF-8. */
export function displayLines(lines: readonly string[]): string[] {
  // Most lines are ASCII, which reads the same either way: no copy through a Buffer for those.
  return lines.map((line) => (nonAscii.test(line) ? Buffer.from(line, 'latin1').toString('utf8') : line));
}

const nonAscii = /[\x80-\xff]/;

// git apply reads C-style quoted names; quote only what needs it, as git does.
function quotePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/["\\\x00-\x1f\x7f]/.test(path)) return path;
  let quoted = '"';
  for (const byte of Buffer.from(path, 'utf8')) {
    if (byte === 0x22) quoted += '\\"';
    else if (byte === 0x5c) quoted += '\\\\';
    else if (byte === 0x0a) quoted += '\\n';
    else if (byte === 0x09) quoted += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) quoted += `\\${byte.toString(8).padStart(3, '0')}`;
    else quoted += String.fromCharCode(byte);
  }
  return `${quoted}"`;
}
