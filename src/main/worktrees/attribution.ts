// Who changed what. After each turn the new pending change set is compared with the one the
// previous turn left (both against the same accepted tree, with the same context), file by file:
// a file whose content, mode or name differs from what it was then was touched by this turn, and
// within it every hunk whose changed lines are not those of a hunk the file had before belongs
// to this turn. Every other hunk and file keeps the turn it had. The two change sets say all of
// it: blob ids tell which files changed and the hunks' changed lines which hunks did, so a turn
// needs no diff of its own.
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

/** A recorded turn and the pending change set as it stood before it. */
export interface TurnChange {
  readonly mark: TurnMark;
  readonly before: readonly FileDiff[];
}

/**
 * Attribution of every pending file and hunk. `turn` is the turn that produced `pending`, or
 * null when no turn ran (an apply, a reject, a restore): then every hunk keeps its mark.
 */
export function attribute(pending: readonly FileDiff[], turn: TurnChange | null, previous: Attributions): Attributions {
  const before = new Map(turn?.before.map((file) => [file.path, file]));
  const hunks = new Map<string, TurnMark>();
  const files = new Map<string, TurnMark>();
  for (const file of pending) {
    // A file renamed by this turn was pending under its old name, with hunks against the same base.
    const earlier = before.get(file.path) ?? (file.oldPath === null ? undefined : before.get(file.oldPath));
    const touching = turn !== null && !isUnchanged(file, earlier) ? turn.mark : undefined;
    const earlierHunks = hunksByChange(earlier);
    let latest: TurnMark | undefined;
    for (const hunk of file.hunks) {
      const same = earlierHunks.get(changeOf(hunk))?.shift();
      const mark = same !== undefined ? (previous.hunks.get(same) ?? fallback(file, previous)) : (touching ?? previous.hunks.get(hunk.id) ?? fallback(file, previous));
      if (mark === undefined) continue;
      hunks.set(hunk.id, mark);
      if (latest === undefined || mark.turnSeq > latest.turnSeq) latest = mark;
    }
    const fileMark = touching ?? later(latest, previous.files.get(file.path) ?? (file.oldPath === null ? undefined : previous.files.get(file.oldPath)));
    if (fileMark !== undefined) files.set(file.path, fileMark);
  }
  return { hunks, files };
}

/** The file is where it was, with the same content and mode: the turn did not touch it. */
function isUnchanged(file: FileDiff, earlier: FileDiff | undefined): boolean {
  return earlier !== undefined && earlier.path === file.path && earlier.newOid === file.newOid && earlier.newMode === file.newMode;
}

/** The ids of `file`'s hunks by their changed lines, in order (identical changes are told apart by order, as ids are). */
function hunksByChange(file: FileDiff | undefined): Map<string, string[]> {
  const byChange = new Map<string, string[]>();
  for (const hunk of file?.hunks ?? []) {
    const change = changeOf(hunk);
    const ids = byChange.get(change);
    if (ids === undefined) byChange.set(change, [hunk.id]);
    else ids.push(hunk.id);
  }
  return byChange;
}

/** A hunk's removed and added lines: what it changes, wherever it sits. */
function changeOf(hunk: HunkDiff): string {
  return hunk.lines.filter((line) => line.charAt(0) !== ' ').join('\n');
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
