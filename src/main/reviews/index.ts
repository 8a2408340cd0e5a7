// Reviewed marks of a session's pending changes, per file. A mark records the file's change as
// it was when the user reviewed it (a digest of its kind, modes and hunks), so it lapses by
// itself when a later turn or edit changes that file.
import { createHash } from 'node:crypto';
import type { ChangedFile } from '../../shared/changes.ts';
import type { Store } from '../store/index.ts';

export interface ReviewMarks {
  /** The files with `reviewed` set where a mark matches their current change. */
  mark<T extends ChangedFile>(sessionId: string, files: readonly T[]): (T & { reviewed: boolean })[];
  set(sessionId: string, file: ChangedFile, reviewed: boolean): void;
}

export function createReviewMarks(store: Store): ReviewMarks {
  const { db } = store;
  const select = db.prepare<[string], { path: string; digest: string }>('SELECT path, digest FROM change_reviews WHERE session_id = ?');
  const upsert = db.prepare<[string, string, string, string]>(
    'INSERT INTO change_reviews (session_id, path, digest, reviewed_at) VALUES (?, ?, ?, ?) ON CONFLICT(session_id, path) DO UPDATE SET digest = excluded.digest, reviewed_at = excluded.reviewed_at',
  );
  const remove = db.prepare<[string, string]>('DELETE FROM change_reviews WHERE session_id = ? AND path = ?');
  return {
    mark(sessionId, files) {
      const marks = new Map(select.all(sessionId).map((row) => [row.path, row.digest] as const));
      return files.map((file) => ({ ...file, reviewed: marks.get(file.path) === digestOf(file) }));
    },
    set(sessionId, file, reviewed) {
      if (reviewed) upsert.run(sessionId, file.path, digestOf(file), new Date().toISOString());
      else remove.run(sessionId, file.path);
    },
  };
}

/** What identifies a file's pending change: any edit to it gives another digest. */
export function digestOf(file: ChangedFile): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([file.kind, file.oldPath, file.oldMode, file.newMode, file.isBinary, file.additions, file.deletions]));
  for (const hunk of file.hunks) hash.update(hunk.lines.join('\n'));
  return hash.digest('hex');
}
