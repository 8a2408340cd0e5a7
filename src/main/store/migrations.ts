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
  {
    version: 4,
    name: 'session worktrees, pending change sets, attribution, turn snapshots',
    sql: `
      -- No foreign key to sessions: deleting a session must not drop the record of its worktree
      -- directory and archive ref, or the reaper could no longer remove the one and restore could
      -- no longer find the other. The refs live in the project repository, never here.
      CREATE TABLE session_worktrees (
        session_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        project_path TEXT NOT NULL,
        -- The session's working directory; for kind 'worktree' also its top, repository and branch.
        path TEXT NOT NULL,
        root TEXT,
        repo_root TEXT,
        branch TEXT,
        -- The project's HEAD when the worktree was made.
        base_commit TEXT,
        -- The base tree plus every hunk applied to the project: pending changes are measured
        -- from it. It and the snapshot are kept reachable by refs/boocode/{accepted,snapshot}/<id>.
        accepted_tree TEXT,
        -- The worktree's tree after the last recorded turn (or reject, restore).
        snapshot_tree TEXT,
        turn_seq INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        has_directory INTEGER NOT NULL,
        -- Setup copies (such as .env): left out of change sets and archives.
        copied_files TEXT NOT NULL DEFAULT '[]',
        notices TEXT NOT NULL DEFAULT '[]',
        setup TEXT,
        archive_ref TEXT,
        archive_commit TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        archived_at TEXT
      );
      -- The pending change set, latest wins. Its files and hunks are derived again from the two
      -- trees; only what cannot be derived (attribution, counts for listings) is stored.
      CREATE TABLE change_sets (
        session_id TEXT PRIMARY KEY REFERENCES session_worktrees(session_id) ON DELETE CASCADE,
        accepted_tree TEXT NOT NULL,
        snapshot_tree TEXT NOT NULL,
        turn_id TEXT,
        summary TEXT NOT NULL,
        computed_at TEXT NOT NULL
      );
      -- Who last changed each pending hunk (target 'hunk', key = hunk id) and file ('file', key = path).
      CREATE TABLE change_attributions (
        session_id TEXT NOT NULL REFERENCES session_worktrees(session_id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        key TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        turn_id TEXT NOT NULL,
        turn_seq INTEGER NOT NULL,
        PRIMARY KEY (session_id, target, key)
      );
      -- The worktree's tree after each recorded turn: what attribution compares against.
      CREATE TABLE turn_snapshots (
        session_id TEXT NOT NULL REFERENCES session_worktrees(session_id) ON DELETE CASCADE,
        turn_seq INTEGER NOT NULL,
        turn_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        tree TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (session_id, turn_seq)
      );
    `,
  },
  {
    version: 5,
    name: 'per-project worktree setup',
    sql: `
      -- JSON {copyFiles: string[], command: string | null}: what a new session worktree gets.
      ALTER TABLE projects ADD COLUMN setup TEXT;
    `,
  },
  {
    version: 6,
    name: 'the core that runs a turn',
    sql: `
      -- "pid:start-identity" of the core running the turn: only a turn whose core is gone is
      -- ever marked interrupted by another one.
      ALTER TABLE turns ADD COLUMN owner TEXT;
    `,
  },
  {
    version: 7,
    name: 'session layouts',
    sql: `
      -- The workspace layout of a session (a versioned JSON envelope the windows write).
      CREATE TABLE session_layouts (
        session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        layout TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'agents per chat, drafts, attachments',
    sql: `
      -- What an agent offers in a chat (modes, settings such as the model, commands, images), as it
      -- last said, and what the chat chose for its next turns.
      CREATE TABLE chat_agents (
        chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL,
        modes TEXT,
        current_mode TEXT,
        config_options TEXT,
        commands TEXT,
        can_take_images INTEGER NOT NULL DEFAULT 0,
        preferred_mode TEXT,
        preferred_model TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, agent_id)
      );
      -- The composer's unsent text.
      ALTER TABLE chats ADD COLUMN draft TEXT;
      -- Files and images sent with the prompt (JSON), so a retry sends them again.
      ALTER TABLE turns ADD COLUMN attachments TEXT;
    `,
  },
  {
    version: 9,
    name: 'reviewed marks',
    sql: `
      -- A file of a pending change set the user marked reviewed, with the digest of its change
      -- then: the mark counts only while the change is the same.
      CREATE TABLE change_reviews (
        session_id TEXT NOT NULL,
        path TEXT NOT NULL,
        digest TEXT NOT NULL,
        reviewed_at TEXT NOT NULL,
        PRIMARY KEY (session_id, path)
      );
    `,
  },
  {
    version: 10,
    name: 'chat read markers',
    sql: `
      -- The latest ended turn of the chat the user has seen: the inbox lists a chat whose last
      -- ended turn is newer. Chats from before this version count as read up to their last turn.
      ALTER TABLE chats ADD COLUMN seen_turn_id TEXT;
      UPDATE chats SET seen_turn_id = (
        SELECT id FROM turns
        WHERE turns.chat_id = chats.id AND state IN ('completed', 'failed', 'cancelled', 'interrupted')
        ORDER BY ended_at DESC, created_at DESC LIMIT 1
      );
    `,
  },
  {
    version: 11,
    name: 'terminals',
    sql: `
      -- The user's shells. The screen itself lives in a file beside the database (it is
      -- rewritten every few seconds while output flows); this row says what the shell was.
      CREATE TABLE terminals (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        name TEXT,
        title TEXT NOT NULL,
        cwd TEXT NOT NULL,
        command TEXT NOT NULL,
        state TEXT NOT NULL,
        exit_code INTEGER,
        signal TEXT,
        cols INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        -- While the shell runs: its pid and start identity, so that the next core can reap the
        -- whole session of a shell (every job in it) that a killed core left behind.
        pid INTEGER,
        start_ticks TEXT,
        created_at TEXT NOT NULL,
        ended_at TEXT
      );
      CREATE INDEX terminals_by_session ON terminals (session_id, created_at);
    `,
  },
];
