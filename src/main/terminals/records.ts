// Terminal rows in SQLite, and each terminal's saved screen in a file of its own beside the
// database: the screen is rewritten every few seconds while output flows, which would only
// churn the WAL, and nothing queries it.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Terminal, TerminalState } from '../../shared/terminals.ts';
import type { Store } from '../store/index.ts';

/** A shell terminal as stored: the entity plus what only the core needs. */
export interface TerminalRecord extends Terminal {
  /** The size the shell last had (its saved screen was written at it). */
  readonly cols: number;
  readonly rows: number;
  /** While the shell runs: its pid and start identity, for reaping after a crash. */
  readonly pid: number | null;
  readonly startIdentity: string | null;
}

interface Row {
  id: string;
  session_id: string;
  name: string | null;
  title: string;
  cwd: string;
  command: string;
  state: string;
  exit_code: number | null;
  signal: string | null;
  cols: number;
  rows: number;
  pid: number | null;
  start_ticks: string | null;
  created_at: string;
  ended_at: string | null;
}

export interface TerminalRecords {
  insert(record: TerminalRecord): void;
  update(record: TerminalRecord): void;
  resize(id: string, cols: number, rows: number): void;
  remove(id: string): void;
  list(): TerminalRecord[];
  /** The saved screen of a terminal, or undefined when none was saved. */
  readScreen(id: string): string | undefined;
  /** Replaces the saved screen in one step: a crash mid-write leaves the previous one. */
  writeScreen(id: string, screen: string): void;
  removeScreen(id: string): void;
  /** Deletes saved screens of terminals that are gone (their session or project was removed). */
  sweepScreens(): void;
}

export function createTerminalRecords(store: Store, dataDir: string): TerminalRecords {
  const { db } = store;
  const folder = join(dataDir, 'terminals');
  mkdirSync(folder, { recursive: true });
  const insert = db.prepare(
    `INSERT INTO terminals (id, session_id, name, title, cwd, command, state, exit_code, signal, cols, rows, pid, start_ticks, created_at, ended_at)
     VALUES (@id, @session_id, @name, @title, @cwd, @command, @state, @exit_code, @signal, @cols, @rows, @pid, @start_ticks, @created_at, @ended_at)`,
  );
  const update = db.prepare(
    `UPDATE terminals SET name = @name, title = @title, cwd = @cwd, command = @command, state = @state, exit_code = @exit_code,
       signal = @signal, cols = @cols, rows = @rows, pid = @pid, start_ticks = @start_ticks, ended_at = @ended_at WHERE id = @id`,
  );
  const resize = db.prepare<[number, number, string]>('UPDATE terminals SET cols = ?, rows = ? WHERE id = ?');
  const remove = db.prepare<[string]>('DELETE FROM terminals WHERE id = ?');
  const list = db.prepare<[], Row>('SELECT * FROM terminals ORDER BY created_at, id');
  const ids = db.prepare<[], string>('SELECT id FROM terminals').pluck();
  const screenPath = (id: string) => join(folder, `${id}.screen`);

  return {
    insert: (record) => insert.run(toRow(record)),
    update: (record) => update.run(toRow(record)),
    resize: (id, cols, rows) => resize.run(cols, rows, id),
    remove: (id) => remove.run(id),
    list: () => list.all().map(fromRow),
    readScreen(id) {
      try {
        return readFileSync(screenPath(id), 'utf8');
      } catch {
        return undefined; // never saved (the core died within seconds of starting it)
      }
    },
    writeScreen(id, screen) {
      const temporary = `${screenPath(id)}.tmp`;
      writeFileSync(temporary, screen);
      renameSync(temporary, screenPath(id));
    },
    removeScreen: (id) => rmSync(screenPath(id), { force: true }),
    sweepScreens() {
      const known = new Set(ids.all());
      for (const file of readdirSync(folder)) {
        const id = file.replace(/\.screen(\.tmp)?$/, '');
        if (!known.has(id)) rmSync(join(folder, file), { force: true });
      }
    },
  };
}

function toRow(record: TerminalRecord): Row {
  return {
    id: record.id,
    session_id: record.sessionId,
    name: record.name,
    title: record.title,
    cwd: record.cwd,
    command: record.command,
    state: record.state,
    exit_code: record.exitCode,
    signal: record.signal,
    cols: record.cols,
    rows: record.rows,
    pid: record.pid,
    start_ticks: record.startIdentity,
    created_at: record.createdAt,
    ended_at: record.endedAt,
  };
}

function fromRow(row: Row): TerminalRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    kind: 'shell',
    chatId: null,
    name: row.name,
    title: row.title,
    cwd: row.cwd,
    command: row.command,
    state: (['running', 'exited', 'restored'].includes(row.state) ? row.state : 'exited') as TerminalState,
    exitCode: row.exit_code,
    signal: row.signal,
    cols: row.cols,
    rows: row.rows,
    pid: row.pid,
    startIdentity: row.start_ticks,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}
