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
  {
    version: 3,
    name: 'sessions, chats, messages with parts, turns',
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        uses_worktree INTEGER NOT NULL,
        -- Where the session's agents work: its worktree, or null for the project folder itself.
        worktree_path TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        archived_at TEXT
      );
      CREATE INDEX sessions_project ON sessions(project_id, created_at);
      CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        -- 1 once the user named the chat: agents' suggested titles no longer replace it.
        is_title_from_user INTEGER NOT NULL DEFAULT 0,
        agent_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        archived_at TEXT
      );
      CREATE INDEX chats_session ON chats(session_id, created_at);
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        turn_id TEXT,
        role TEXT NOT NULL,
        -- Order of the message in its chat; pages are read by it.
        ordinal INTEGER NOT NULL,
        agent_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX messages_chat_ordinal ON messages(chat_id, ordinal);
      CREATE TABLE parts (
        id TEXT PRIMARY KEY,
        message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        -- Text of text and reasoning parts; the JSON of every other kind.
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX parts_message ON parts(message_id, position);
      CREATE TABLE turns (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL,
        state TEXT NOT NULL,
        prompt TEXT NOT NULL,
        mode TEXT,
        model TEXT,
        -- Order among the chat's queued turns.
        queue_position INTEGER,
        origin TEXT,
        stop_reason TEXT,
        error_kind TEXT,
        error_message TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost REAL,
        cost_currency TEXT,
        user_message_id TEXT,
        assistant_message_id TEXT,
        retry_of TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        heartbeat_at TEXT
      );
      CREATE INDEX turns_chat_state ON turns(chat_id, state);
    `,
  },
];
