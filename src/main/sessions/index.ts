// Sessions and their chats: creation, renaming, archiving, listing. A session runs in its
// worktree when it has one, else in the project folder; `cwd` says which.
import { randomUUID } from 'node:crypto';
import type { Chat, Session } from '../../shared/chats.ts';
import { fail, ok, type AppEventDraft, type ProjectId, type ProjectSetup, type Result } from '../../shared/contract.ts';
import type { UnitOfWork } from '../store/index.ts';
import type { ProjectService } from '../projects/index.ts';
import type { Store } from '../store/index.ts';
import { defaultLayout, readLayout, type LayoutEnvelope } from '../../shared/layout.ts';

interface SessionRow {
  id: string;
  project_id: string;
  name: string;
  uses_worktree: number;
  worktree_path: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
  project_path: string;
}

interface ChatRow {
  id: string;
  session_id: string;
  title: string;
  is_title_from_user: number;
  agent_id: string;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
  seen_turn_id: string | null;
}

export const NEW_CHAT_TITLE = 'New chat';

/** Where a new session's agents will work, decided by the worktree service when there is one. */
export type WorkspacePreparer = (session: { sessionId: string; projectPath: string; isGit: boolean; useWorktree: boolean; setup: ProjectSetup }) => Promise<Result<{ worktreePath: string | null }>>;

/** Decides whether a session may be archived (the worktree service refuses to lose unapplied work). */
export type ArchiveGuard = (session: Session, confirm: boolean) => Promise<Result<void>>;

/** Brings back an archived session's workspace; returns where it now works. */
export type WorkspaceRestorer = (session: Session) => Promise<Result<{ worktreePath: string | null }>>;

export interface SessionService {
  create(input: { projectId: ProjectId; name?: string; useWorktree?: boolean }): Promise<Result<Session>>;
  rename(sessionId: string, name: string): Result<Session>;
  archive(sessionId: string, confirm: boolean): Promise<Result<Session>>;
  /** Brings an archived session back, its workspace restored first by `restoreWorkspace`. */
  restore(sessionId: string): Promise<Result<Session>>;
  list(projectId: ProjectId, includeArchived: boolean): (Session & { chats: Chat[] })[];
  get(sessionId: string): Session | undefined;
  withChats(sessionId: string): Result<Session & { chats: Chat[] }>;
  createChat(input: { sessionId: string; agentId: string; title?: string }): Result<Chat>;
  renameChat(chatId: string, title: string): Result<Chat>;
  archiveChat(chatId: string): Result<Chat>;
  /**
   * Records that the user has seen the chat up to `turnId` (an ended turn of it, checked by the
   * caller). `isNewer` compares it with the turn seen so far, so that a window that shows an
   * older turn late never makes a newer one unread again.
   */
  markChatSeen(chatId: string, turnId: string, isNewer: (seenTurnId: string) => boolean): Result<Chat>;
  listChats(sessionId: string, includeArchived: boolean): Chat[];
  chat(chatId: string): Chat | undefined;
  /** Inside a unit of work: points the chat at another agent; returns the event to publish. */
  setChatAgent(chatId: string, agentId: string): AppEventDraft | undefined;
  /** Inside a unit of work: an agent's suggested title, used unless the user named the chat. */
  suggestTitle(chatId: string, title: string): AppEventDraft | undefined;
  /** The composer's unsent text of a chat ('' when none). */
  draft(chatId: string): string;
  saveDraft(chatId: string, text: string): Result<{ saved: boolean }>;
  /** The session's saved layout, or the default (with a notice when the saved one cannot be read). */
  layout(sessionId: string): Result<{ layout: LayoutEnvelope; notice: string | null }>;
  /** Saves a layout a window sent (already validated) and tells every window. */
  saveLayout(sessionId: string, layout: LayoutEnvelope, writer: string): Result<{ saved: boolean }>;
}

export function createSessionService(deps: {
  store: Store;
  unitOfWork: UnitOfWork;
  projects: ProjectService;
  prepareWorkspace?: WorkspacePreparer;
  archiveGuard?: ArchiveGuard;
  restoreWorkspace?: WorkspaceRestorer;
}): SessionService {
  const { db } = deps.store;
  const sessionSelect = 'SELECT s.*, p.path AS project_path FROM sessions s JOIN projects p ON p.id = s.project_id';
  const statements = {
    session: db.prepare<[string], SessionRow>(`${sessionSelect} WHERE s.id = ?`),
    sessionsOfProject: db.prepare<[string, number], SessionRow>(`${sessionSelect} WHERE s.project_id = ? AND (? OR s.archived_at IS NULL) ORDER BY s.created_at`),
    countSessions: db.prepare<[string], { count: number }>('SELECT count(*) AS count FROM sessions WHERE project_id = ?'),
    insertSession: db.prepare(
      `INSERT INTO sessions (id, project_id, name, uses_worktree, worktree_path, created_at, updated_at)
       VALUES (@id, @projectId, @name, @usesWorktree, @worktreePath, @now, @now)`,
    ),
    renameSession: db.prepare<[string, string, string]>('UPDATE sessions SET name = ?, updated_at = ? WHERE id = ?'),
    archiveSession: db.prepare<[string, string, string]>('UPDATE sessions SET archived_at = ?, updated_at = ? WHERE id = ?'),
    restoreSession: db.prepare<[string | null, string, string]>('UPDATE sessions SET archived_at = NULL, worktree_path = COALESCE(?, worktree_path), updated_at = ? WHERE id = ?'),
    chat: db.prepare<[string], ChatRow>('SELECT * FROM chats WHERE id = ?'),
    chatsOfSession: db.prepare<[string, number], ChatRow>('SELECT * FROM chats WHERE session_id = ? AND (? OR archived_at IS NULL) ORDER BY created_at'),
    insertChat: db.prepare(
      `INSERT INTO chats (id, session_id, title, is_title_from_user, agent_id, created_at, updated_at)
       VALUES (@id, @sessionId, @title, @isTitleFromUser, @agentId, @now, @now)`,
    ),
    renameChat: db.prepare<[string, number, string, string]>('UPDATE chats SET title = ?, is_title_from_user = ?, updated_at = ? WHERE id = ?'),
    setChatAgent: db.prepare<[string, string, string]>('UPDATE chats SET agent_id = ?, updated_at = ? WHERE id = ?'),
    archiveChat: db.prepare<[string, string, string]>('UPDATE chats SET archived_at = ?, updated_at = ? WHERE id = ?'),
    draft: db.prepare<[string], { draft: string | null }>('SELECT draft FROM chats WHERE id = ?'),
    saveDraft: db.prepare<[string | null, string]>('UPDATE chats SET draft = ? WHERE id = ?'),
    // Not updated_at: reading a chat is not a change to it (pickers sort by updated_at).
    markChatSeen: db.prepare<[string, string]>('UPDATE chats SET seen_turn_id = ? WHERE id = ?'),
    layout: db.prepare<[string], { layout: string }>('SELECT layout FROM session_layouts WHERE session_id = ?'),
    saveLayout: db.prepare<[string, string, string]>(
      'INSERT INTO session_layouts (session_id, layout, updated_at) VALUES (?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET layout = excluded.layout, updated_at = excluded.updated_at',
    ),
  };

  function session(id: string): Session | undefined {
    const row = statements.session.get(id);
    return row ? toSession(row) : undefined;
  }

  function chat(id: string): Chat | undefined {
    const row = statements.chat.get(id);
    return row ? toChat(row) : undefined;
  }

  function missingSession(id: string): Result<never> {
    return fail('not-found', `No session with id ${id}.`);
  }

  function missingChat(id: string): Result<never> {
    return fail('not-found', `No chat with id ${id}.`);
  }

  return {
    async create(input) {
      const project = deps.projects.get(input.projectId);
      if (!project) return fail('not-found', `No project with id ${input.projectId}.`);
      const useWorktree = project.isGit && (input.useWorktree ?? true);
      const id = randomUUID();
      let worktreePath: string | null = null;
      if (deps.prepareWorkspace) {
        const prepared = await deps.prepareWorkspace({ sessionId: id, projectPath: project.path, isGit: project.isGit, useWorktree, setup: project.setup });
        if (!prepared.ok) return prepared;
        worktreePath = prepared.value.worktreePath;
      }
      const created = deps.unitOfWork.run(() => {
        const count = statements.countSessions.get(project.id)?.count ?? 0;
        statements.insertSession.run({
          id,
          projectId: project.id,
          name: input.name ?? `Session ${count + 1}`,
          usesWorktree: useWorktree && worktreePath !== null ? 1 : 0,
          worktreePath,
          now: new Date().toISOString(),
        });
        const value = session(id) as Session;
        return { value, events: [{ type: 'workspace.session.changed' as const, session: value }] };
      });
      return ok(created);
    },
    rename(sessionId, name) {
      if (!session(sessionId)) return missingSession(sessionId);
      return ok(
        deps.unitOfWork.run(() => {
          statements.renameSession.run(name, new Date().toISOString(), sessionId);
          const value = session(sessionId) as Session;
          return { value, events: [{ type: 'workspace.session.changed' as const, session: value }] };
        }),
      );
    },
    async archive(sessionId, confirm) {
      const current = session(sessionId);
      if (!current) return missingSession(sessionId);
      if (current.archivedAt) return ok(current);
      if (deps.archiveGuard) {
        const allowed = await deps.archiveGuard(current, confirm);
        if (!allowed.ok) return allowed;
      }
      return ok(
        deps.unitOfWork.run(() => {
          const now = new Date().toISOString();
          statements.archiveSession.run(now, now, sessionId);
          const value = session(sessionId) as Session;
          return { value, events: [{ type: 'workspace.session.changed' as const, session: value }] };
        }),
      );
    },
    async restore(sessionId) {
      const current = session(sessionId);
      if (!current) return missingSession(sessionId);
      if (!current.archivedAt) return ok(current);
      let worktreePath: string | null = null;
      if (deps.restoreWorkspace) {
        const restored = await deps.restoreWorkspace(current);
        if (!restored.ok) return restored;
        worktreePath = restored.value.worktreePath;
      }
      return ok(
        deps.unitOfWork.run(() => {
          statements.restoreSession.run(worktreePath, new Date().toISOString(), sessionId);
          const value = session(sessionId) as Session;
          return { value, events: [{ type: 'workspace.session.changed' as const, session: value }] };
        }),
      );
    },
    draft: (chatId) => statements.draft.get(chatId)?.draft ?? '',
    saveDraft(chatId, text) {
      // A draft is the window's, not news for other windows: written without an event.
      const changed = statements.saveDraft.run(text === '' ? null : text, chatId).changes === 1;
      return changed ? ok({ saved: true }) : fail('not-found', `No chat with id ${chatId}.`);
    },
    layout(sessionId) {
      if (!session(sessionId)) return missingSession(sessionId);
      const chatIds = statements.chatsOfSession.all(sessionId, 0).map((row) => row.id);
      const row = statements.layout.get(sessionId);
      if (!row) return ok(readLayout(null, chatIds));
      try {
        return ok(readLayout(JSON.parse(row.layout), chatIds));
      } catch {
        return ok({ layout: defaultLayout(chatIds), notice: "This session's saved layout could not be read (it is not JSON); it was replaced by the default layout." });
      }
    },
    saveLayout(sessionId, layout, writer) {
      if (!session(sessionId)) return missingSession(sessionId);
      return ok(
        deps.unitOfWork.run(() => {
          statements.saveLayout.run(sessionId, JSON.stringify(layout), new Date().toISOString());
          return { value: { saved: true }, events: [{ type: 'workspace.layout.changed' as const, sessionId, layout, writer }] };
        }),
      );
    },
    list(projectId, includeArchived) {
      return statements.sessionsOfProject.all(projectId, includeArchived ? 1 : 0).map((row) => ({
        ...toSession(row),
        chats: statements.chatsOfSession.all(row.id, includeArchived ? 1 : 0).map(toChat),
      }));
    },
    get: session,
    withChats(sessionId) {
      const found = session(sessionId);
      if (!found) return missingSession(sessionId);
      return ok({ ...found, chats: statements.chatsOfSession.all(sessionId, 1).map(toChat) });
    },
    createChat(input) {
      const owner = session(input.sessionId);
      if (!owner) return missingSession(input.sessionId);
      if (owner.archivedAt) return fail('invalid-arguments', `Session "${owner.name}" is archived; restore it to add chats.`);
      return ok(
        deps.unitOfWork.run(() => {
          const id = randomUUID();
          statements.insertChat.run({
            id,
            sessionId: input.sessionId,
            title: input.title ?? NEW_CHAT_TITLE,
            isTitleFromUser: input.title ? 1 : 0,
            agentId: input.agentId,
            now: new Date().toISOString(),
          });
          const value = chat(id) as Chat;
          return { value, events: [{ type: 'chat.record.changed' as const, chat: value }] };
        }),
      );
    },
    renameChat(chatId, title) {
      if (!chat(chatId)) return missingChat(chatId);
      return ok(
        deps.unitOfWork.run(() => {
          statements.renameChat.run(title, 1, new Date().toISOString(), chatId);
          const value = chat(chatId) as Chat;
          return { value, events: [{ type: 'chat.record.changed' as const, chat: value }] };
        }),
      );
    },
    archiveChat(chatId) {
      const current = chat(chatId);
      if (!current) return missingChat(chatId);
      if (current.archivedAt) return ok(current);
      return ok(
        deps.unitOfWork.run(() => {
          const now = new Date().toISOString();
          statements.archiveChat.run(now, now, chatId);
          const value = chat(chatId) as Chat;
          return { value, events: [{ type: 'chat.record.changed' as const, chat: value }] };
        }),
      );
    },
    markChatSeen(chatId, turnId, isNewer) {
      return deps.unitOfWork.run(() => {
        const current = chat(chatId);
        if (!current) return { value: missingChat(chatId), events: [] };
        if (current.seenTurnId === turnId || (current.seenTurnId !== null && !isNewer(current.seenTurnId))) return { value: ok(current), events: [] };
        statements.markChatSeen.run(turnId, chatId);
        const value = chat(chatId) as Chat;
        return { value: ok(value), events: [{ type: 'chat.record.changed' as const, chat: value }] };
      });
    },
    listChats: (sessionId, includeArchived) => statements.chatsOfSession.all(sessionId, includeArchived ? 1 : 0).map(toChat),
    chat,
    setChatAgent(chatId, agentId) {
      const current = chat(chatId);
      if (!current || current.agentId === agentId) return undefined;
      statements.setChatAgent.run(agentId, new Date().toISOString(), chatId);
      return { type: 'chat.record.changed', chat: chat(chatId) as Chat };
    },
    suggestTitle(chatId, title) {
      const current = chat(chatId);
      const trimmed = title.trim().slice(0, 200);
      if (!current || current.isTitleFromUser || trimmed === '' || current.title === trimmed) return undefined;
      statements.renameChat.run(trimmed, 0, new Date().toISOString(), chatId);
      return { type: 'chat.record.changed', chat: chat(chatId) as Chat };
    },
  };
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    usesWorktree: row.uses_worktree === 1,
    cwd: row.worktree_path ?? row.project_path,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

function toChat(row: ChatRow): Chat {
  return {
    id: row.id,
    sessionId: row.session_id,
    title: row.title,
    isTitleFromUser: row.is_title_from_user === 1,
    agentId: row.agent_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    seenTurnId: row.seen_turn_id,
  };
}
