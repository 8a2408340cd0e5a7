// The SQLite store: the source of truth. One connection per core, WAL for concurrent readers,
// foreign keys on, numbered migrations, and an integrity check before anything is written so a
// damaged file is reported and left exactly as it was.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrations, type Migration } from './migrations.ts';

export type Db = Database.Database;

/** Raised when the store cannot be opened; start-up cannot continue, so this one throws. */
export class StoreOpenError extends Error {
  readonly kind: 'store-corrupt';
  readonly path: string;
  constructor(path: string, detail: string) {
    super(`The data file ${path} is damaged and was left untouched (${detail}). Move it aside or restore a backup, then start again.`);
    this.kind = 'store-corrupt';
    this.path = path;
  }
}

export interface Store {
  readonly db: Db;
  readonly path: string;
  /** Runs `work` in one IMMEDIATE transaction; it commits when `work` returns. */
  transact<T>(work: () => T): T;
  schemaVersion(): number;
  close(): void;
}

export const STORE_FILE_NAME = 'boocode.sqlite';

export function openStore(dataDir: string, options: { migrations?: readonly Migration[] } = {}): Store {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, STORE_FILE_NAME);
  const db = new Database(path);
  try {
    checkIntegrity(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can drop the
    // last transactions, which is the trade every desktop app on SQLite makes for speed.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db, options.migrations ?? migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    db,
    path,
    transact: (work) => db.transaction(work).immediate(),
    schemaVersion: () => db.pragma('user_version', { simple: true }) as number,
    close: () => {
      if (db.open) db.close();
    },
  };
}

function checkIntegrity(db: Db, path: string): void {
  let rows: { quick_check: string }[];
  try {
    rows = db.pragma('quick_check') as { quick_check: string }[];
  } catch (error) {
    throw new StoreOpenError(path, error instanceof Error ? error.message : String(error));
  }
  const problems = rows.map((row) => row.quick_check).filter((line) => line !== 'ok');
  if (problems.length > 0) throw new StoreOpenError(path, problems.slice(0, 3).join('; '));
}

function migrate(db: Db, steps: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = steps.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new Error(`The data file was written by a newer BooCode (schema ${current}, this one knows ${newest}).`);
  }
  for (const step of steps) {
    if (step.version <= current) continue;
    db.transaction(() => {
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
}
export { createUnitOfWork, type UnitOfWork } from './unitOfWork.ts';
