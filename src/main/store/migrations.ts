// Numbered schema migrations. A migration is never edited once released: add the next number.
// PRAGMA user_version holds the number of the last one applied.

/** One schema step; `sql` runs inside the same transaction as the version bump. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'projects and settings',
    sql: `
      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        is_git INTEGER NOT NULL,
        branch TEXT,
        created_at TEXT NOT NULL,
        last_opened_at TEXT NOT NULL
      );
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'agent sessions, agent process registry, permission audit',
    sql: `
      -- One agent session per (chat, agent): the ACP session id (or opencode session id) to
      -- resume, its status and the usage accumulated over its turns.
      CREATE TABLE agent_sessions (
        chat_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        backend TEXT NOT NULL,
        session_id TEXT,
        status TEXT NOT NULL,
        last_active_at TEXT NOT NULL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost REAL NOT NULL DEFAULT 0,
        cost_currency TEXT,
        PRIMARY KEY (chat_id, agent_id)
      );
      -- Every process the core started and has not yet seen exit. On start-up, a row whose pid
      -- still runs with the same start time is an orphan of an earlier run and is reaped.
      CREATE TABLE agent_processes (
        pid INTEGER PRIMARY KEY,
        start_ticks TEXT NOT NULL,
        command TEXT NOT NULL,
        owner TEXT NOT NULL,
        chat_id TEXT,
        agent_id TEXT,
        started_at TEXT NOT NULL
      );
      CREATE TABLE permission_audit (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        title TEXT NOT NULL,
        tool_call TEXT,
        options TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        outcome TEXT,
        resolved_at TEXT
      );
    `,
  },
];
