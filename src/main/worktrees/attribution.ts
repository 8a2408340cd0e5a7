// Who changed what. After each turn the worktree's new tree is compared with the tree after the
// previous turn (zero context lines); a pending hunk one of whose changed lines that turn
// touched belongs to that turn, every other hunk keeps the turn it had. Both diffs are read in
// the coordinates of the new tree, so a line the turn added and a line the pending hunk shows
// as added are the same number, and a deletion is placed by how many new-side lines precede it.
import type { FileDiff, HunkDiff } from './diff.ts';

export interface TurnMark {
  readonly agentId: string;
  readonly turnId: string;
  /** Order of the turn within the session; later wins. */
  readonly turnSeq: number;
}

export interface Attributions {
  readonly hunks: Map<string, TurnMark>;
  readonly files: Map<string, TurnMark>;
}

interface Touch {
  /** The file changed as a whole (binary, type change): every hunk of it was touched. */
  readonly isWhole: boolean;
  readonly added: Set<number>;
  /** Deletions, each placed after this many new-side lines. */
  readonly anchors: Set<number>;
}

/**
 * Attribution of every pending file and hunk. `turnDiff` is the diff from the previous
 * snapshot to the new one (empty when no turn ran, as after a reject or a restore); `turn` is
 * the turn that produced it, or null.
 */
export function attribute(pending: readonly FileDiff[], turnDiff: readonly FileDiff[], turn: TurnMark | null, previous: Attributions): Attributions {
  const touches = new Map<string, Touch>();
  for (const file of turnDiff) touches.set(file.path, touchOf(file));
  const hunks = new Map<string, TurnMark>();
  const files = new Map<string, TurnMark>();
  for (const file of pending) {
    const touch = turn === null ? undefined : touches.get(file.path);
    let latest: TurnMark | undefined;
    for (const hunk of file.hunks) {
      const mark = touch !== undefined && turn !== null && isTouched(hunk, touch) ? turn : (previous.hunks.get(hunk.id) ?? fallback(file, previous));
      if (mark === undefined) continue;
      hunks.set(hunk.id, mark);
      if (latest === undefined || mark.turnSeq > latest.turnSeq) latest = mark;
    }
    const fileMark = touch !== undefined && turn !== null ? turn : later(latest, previous.files.get(file.path) ?? (file.oldPath === null ? undefined : previous.files.get(file.oldPath)));
    if (fileMark !== undefined) files.set(file.path, fileMark);
  }
  return { hunks, files };
}

function touchOf(file: FileDiff): Touch {
  const added = new Set<number>();
  const anchors = new Set<number>();
  for (const hunk of file.hunks) walk(hunk, (line) => added.add(line), (anchor) => anchors.add(anchor));
  return { isWhole: file.isWholeOnly && (file.isBinary || file.kind === 'type-changed'), added, anchors };
}

function isTouched(hunk: HunkDiff, touch: Touch): boolean {
  if (touch.isWhole) return true;
  let touched = false;
  walk(
    hunk,
    (line) => {
      if (touch.added.has(line)) touched = true;
    },
    (anchor) => {
      if (touch.anchors.has(anchor)) touched = true;
    },
  );
  return touched;
}

/** Calls `onAdded` with the new-side number of each added line, `onDeleted` with each deletion's anchor. */
function walk(hunk: HunkDiff, onAdded: (line: number) => void, onDeleted: (anchor: number) => void): void {
  let next = hunk.newStart;
  for (const line of hunk.lines) {
    const marker = line.charAt(0);
    if (marker === '+') onAdded(next++);
    else if (marker === '-') onDeleted(next - 1);
    else if (marker === ' ') next += 1;
  }
}

// A hunk nobody touched whose id is new: a recomputation merged or split hunks around it. The
// latest turn known to have changed its file is the best guess there is.
function fallback(file: FileDiff, previous: Attributions): TurnMark | undefined {
  return previous.files.get(file.path) ?? (file.oldPath === null ? undefined : previous.files.get(file.oldPath));
}

function later(a: TurnMark | undefined, b: TurnMark | undefined): TurnMark | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.turnSeq > a.turnSeq ? b : a;
}
