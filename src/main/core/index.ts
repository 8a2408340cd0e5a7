// The composition root of the core: opens the store, wires the services, and answers every
// contract command. It never imports electron, so Electron, `boocode serve` and the tests all
// run exactly this object.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  commands,
  fail,
  isCommandName,
  ok,
  parseArgs,
  type AppEvent,
  type BooApi,
  type CommandName,
  type CommandResult,
  type Project,
  type ProjectId,
  type Result,
  type WorkspaceSnapshot,
  type SubscribeResult,
  type SubscriptionMessage,
} from '../../shared/contract.ts';
import { terminalTurnStates, type Chat, type Session } from '../../shared/chats.ts';
import { createAgents, type Agents, type AgentsOptions } from '../agents/index.ts';
import { createEventBus, type EventBus } from '../events/index.ts';
import { createWorkspaceFiles } from '../files/index.ts';
import { createEditWatcher } from '../changes/editWatcher.ts';
import { createReviewMarks } from '../reviews/index.ts';
import type { ChangeSelection, ChangeSetSummary, ChangeSetView } from '../../shared/changes.ts';
import { createProjectService } from '../projects/index.ts';
import { createSessionService, type SessionService } from '../sessions/index.ts';
import { createSettingsService, type SettingsService } from '../settings/index.ts';
import { createTerminalService, type TerminalService, type TerminalServiceOptions } from '../terminals/index.ts';
import { createTurnService, type TurnService } from '../turns/index.ts';
import { createWorktreeService, type WorktreeService } from '../worktrees/index.ts';
import { openStore, type Store } from '../store/index.ts';
import {
  claimDataDir,
  DataDirOwnedError,
  isIdentityAlive,
  ownerIdentity,
  ownerInfo,
  readOwnerRecord,
  startControlServer,
  type ControlServer,
  type OwnerKind,
} from '../owner/index.ts';
import { createUnitOfWork } from '../store/index.ts';

const worktreeTimings = {
  /** Archived worktrees are kept for days; checking hourly removes them close enough to on time. */
  reapIntervalMs: 60 * 60 * 1000,
} as const;

export { openDataDir, type CoreLink, type LinkRole } from './link.ts';

export interface CoreOptions {
  readonly dataDir: string;
  /** Reported by app.info; defaults to the package version. */
  readonly version?: string;
  readonly replayCapacity?: number;
  readonly log?: (line: string) => void;
  /** The environment agents inherit and are found on (PATH); the process's by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Shorter timings and policies, for tests. */
  readonly acpTimings?: AgentsOptions['acpTimings'];
  readonly poolPolicy?: AgentsOptions['poolPolicy'];
  readonly agentLimits?: AgentsOptions['limits'];
  readonly partTimings?: { flushIntervalMs?: number };
  /** Tighter terminal flow control, for tests. */
  readonly terminalFlow?: TerminalServiceOptions['flow'];
  readonly heartbeatMs?: number;
  /** Who owns the data folder while this core runs, as other processes are told. */
  readonly owner?: { readonly kind: OwnerKind; readonly label: string };
  /**
   * Start the prompts left waiting in queues by an earlier run. The desktop app and `serve` do;
   * a one-shot `boocode` command leaves them for the app instead of running them and leaving.
   */
  readonly resumeQueuedTurns?: boolean;
}

export interface Core {
  readonly dataDir: string;
  readonly events: EventBus;
  readonly store: Store;
  readonly agents: Agents;
  readonly turns: TurnService;
  readonly sessions: SessionService;
  readonly settingsService: SettingsService;
  readonly worktrees: WorktreeService;
  readonly terminals: TerminalService;
  /** Resolves when the control socket listens (other processes can reach this core). */
  readonly ready: Promise<void>;
  /** Validates `args` against the contract, then runs the command. Never throws. */
  dispatch(method: unknown, args: unknown): Promise<Result<unknown>>;
  /** The typed API, for in-process clients (the CLI, tests). */
  readonly api: BooApi;
  /** An event as JSON, serialized once however many clients receive it. */
  serializeEvent(event: AppEvent): string;
  subscribe(
    position: { afterSeq: number; epoch?: string | undefined },
    listener: (message: SubscriptionMessage) => void,
  ): { result: SubscribeResult; unsubscribe: () => void };
  close(): Promise<void>;
}

type Handlers = {
  [N in Exclude<CommandName, 'events.subscribe'>]: (
    args: ReturnType<(typeof commands)[N]['args']['parse']>,
  ) => Promise<Result<CommandResult<N>>> | Result<CommandResult<N>>;
};

/**
 * Takes ownership of the data dir and starts the core. Throws DataDirOwnedError when another
 * live process owns the folder (use openDataDir to become its client instead), and
 * StoreOpenError for a damaged store.
 */
export function createCore(options: CoreOptions): Core {
  const log = options.log ?? (() => {});
  const lock = claimDataDir(options.dataDir);
  if (!lock) {
    const record = readOwnerRecord(options.dataDir);
    throw new DataDirOwnedError(options.dataDir, record ? ownerInfo(record) : undefined);
  }
  let store: Store;
  try {
    store = openStore(options.dataDir);
  } catch (error) {
    lock.release();
    throw error;
  }
  const identity = ownerIdentity();
  const events = createEventBus({
    replayCapacity: options.replayCapacity,
    onListenerError: (error) => log(`event listener failed: ${String(error)}`),
  });
  const unitOfWork = createUnitOfWork(store, events);
  const projects = createProjectService({ store, unitOfWork });
  const settings = createSettingsService({ store, unitOfWork });
  const agents = createAgents({
    store,
    unitOfWork,
    publish: (drafts) => events.publish(drafts),
    settings,
    log,
    env: options.env,
    acpTimings: options.acpTimings,
    poolPolicy: options.poolPolicy,
    limits: options.agentLimits,
    // The terminal service is made below; agents only call this once they run commands.
    terminalObserver: {
      started: (process) => terminals.agentObserver.started(process),
      output: (terminalId, chunk) => terminals.agentObserver.output(terminalId, chunk),
      exited: (terminalId, status) => terminals.agentObserver.exited(terminalId, status),
    },
  });
  const worktrees = createWorktreeService({ store, unitOfWork, publish: (event) => events.publish([event]), dataDir: options.dataDir, log });
  const sessions = createSessionService({
    store,
    unitOfWork,
    projects,
    async prepareWorkspace(session) {
      if (session.isGit && !session.useWorktree) return ok({ worktreePath: null });
      const prepared = await worktrees.prepare({
        sessionId: session.sessionId,
        projectPath: session.projectPath,
        setup: { copyFiles: session.setup.copyFiles, command: session.setup.command ?? undefined },
      });
      if (!prepared.ok) return prepared;
      return ok({ worktreePath: prepared.value.kind === 'worktree' ? prepared.value.path : null });
    },
    async archiveGuard(session, confirm) {
      if (worktrees.get(session.id)?.kind !== 'worktree') return ok(undefined);
      const archived = await worktrees.archive(session.id, { confirm });
      return archived.ok ? ok(undefined) : archived;
    },
    async restoreWorkspace(session) {
      if (worktrees.get(session.id)?.kind !== 'worktree') return ok({ worktreePath: null });
      const restored = await worktrees.restore(session.id);
      if (!restored.ok) return restored;
      return ok({ worktreePath: restored.value.path });
    },
  });
  const workspaceFiles = createWorkspaceFiles();
  const reviews = createReviewMarks(store);
  const editWatcher = createEditWatcher({ record: (sessionId) => recordEdits(sessionId) });
  const terminals = createTerminalService({
    store,
    unitOfWork,
    events,
    sessions,
    settings,
    dataDir: options.dataDir,
    env: options.env,
    log,
    flow: options.terminalFlow,
  });
  const turns = createTurnService({
    store,
    unitOfWork,
    events,
    sessions,
    projects,
    settings,
    agents,
    log,
    partTimings: options.partTimings,
    heartbeatMs: options.heartbeatMs,
    ownerIdentity: identity,
    isOwnerAlive: isIdentityAlive,
    async onTurnEnded(turn, sessionId) {
      workspaceFiles.invalidate(sessionId);
      if (worktrees.get(sessionId)?.kind !== 'worktree') return;
      const recorded = await worktrees.recordTurn(sessionId, { turnId: turn.id, agentId: turn.agentId });
      if (!recorded.ok) log(`could not record the changes of turn ${turn.id}: ${recorded.error.message}`);
    },
  });
  const startup = worktrees
    .pruneVanished()
    .then(reapWorktrees)
    .catch((error: unknown) => log(`worktree start-up checks failed: ${String(error)}`));
  const reaper = setInterval(() => void reapWorktrees(), worktreeTimings.reapIntervalMs);
  reaper.unref();
  async function reapWorktrees(): Promise<void> {
    const retentionMs = settings.get().archivedWorktreeRetentionDays * 24 * 60 * 60 * 1000;
    const { removed } = await worktrees.reap({ retentionMs });
    if (removed.length > 0) log(`removed the worktrees of ${removed.length} archived session(s)`);
  }
  const { interrupted } = turns.recover({ resumeQueues: options.resumeQueuedTurns ?? true });
  if (interrupted.length > 0) log(`${interrupted.length} turn(s) left running by an earlier run were marked interrupted`);
  const version = options.version ?? packageVersion();
  let isClosed = false;

  const handlers: Handlers = {
    'app.info': () =>
      ok({
        name: 'BooCode',
        version,
        dataDir: options.dataDir,
        platform: process.platform,
        runtime: `node ${process.versions.node}`,
        epoch: events.epoch,
      }),
    'app.snapshot': () => ok(snapshot()),
    'projects.open': (args) => projects.open(args.path),
    'projects.list': () => ok(projects.list()),
    'projects.reveal': (args) => revealProject(args.path),
    'projects.remove': (args) => removeProject(args.projectId),
    'projects.configure': (args) => projects.configure(args.projectId, args.setup),
    'settings.get': () => ok(settings.get()),
    'settings.set': (args) => ok(settings.set(args.patch)),
    'agents.list': async (args) => {
      const project = args.projectId === undefined ? undefined : projects.get(args.projectId);
      if (args.projectId !== undefined && !project) return fail('not-found', `No project with id ${args.projectId}.`);
      return ok(await agents.catalog.list({ projectPath: project?.path }));
    },
    'agents.add': (args) => agents.catalog.add(args.agent),
    'agents.update': (args) => agents.catalog.update(args.agent),
    'agents.remove': (args) => agents.catalog.remove(args.agentId),
    'agents.processes': () => ok(agents.pool.list()),
    'agents.reset': (args) => ok({ reset: agents.pool.reset(args.chatId, args.agentId) }),
    'agents.stop': (args) => stopAgent(args.chatId, args.agentId),
    'permissions.list': () => ok(agents.permissions.list()),
    'permissions.answer': (args) => answerPermission(args.requestId, args.optionId, args.message),
    'sessions.create': (args) => sessions.create(args),
    'sessions.rename': (args) => sessions.rename(args.sessionId, args.name),
    'sessions.archive': (args) => archiveSession(args.sessionId, args.confirm ?? false),
    'sessions.restore': (args) => sessions.restore(args.sessionId),
    'sessions.workspace': (args) => {
      const session = sessions.get(args.sessionId);
      if (!session) return fail('not-found', `No session with id ${args.sessionId}.`);
      // A git session created without a worktree has no record: it works in the project folder.
      return ok(worktrees.get(args.sessionId) ?? { kind: 'folder' as const, sessionId: session.id, projectPath: session.cwd, path: session.cwd, notices: [], createdAt: session.createdAt });
    },
    'sessions.diskUsage': async () => ok(await worktrees.diskUsage()),
    'sessions.files': async (args) => {
      const session = sessions.get(args.sessionId);
      if (!session) return fail('not-found', `No session with id ${args.sessionId}.`);
      return ok(await workspaceFiles.find(session.id, session.cwd, args.query, args.limit ?? 50));
    },
    'sessions.cleanUpArchived': async () => ok(await worktrees.reap({ retentionMs: 0 })),
    'sessions.layout.get': (args) => sessions.layout(args.sessionId),
    'sessions.layout.set': (args) => sessions.saveLayout(args.sessionId, args.layout, args.writer),
    'changes.get': (args) => withWorktree(args.sessionId, () => describedChanges(args.sessionId, args.lines ?? 'all')),
    'changes.file': (args) =>
      withWorktree(args.sessionId, async () => {
        const changes = await describedChanges(args.sessionId, 'all');
        if (!changes.ok) return changes;
        const file = changes.value.files.find((candidate) => candidate.path === args.path);
        return file ? ok(file) : fail('not-found', `${args.path} has no pending change in this session.`);
      }),
    'changes.refresh': (args) => withWorktree(args.sessionId, () => recordEdits(args.sessionId)),
    'changes.watch': (args) =>
      withWorktree(args.sessionId, async () => {
        const workspace = worktrees.get(args.sessionId);
        if (workspace?.kind !== 'worktree') return fail('invalid-arguments', 'This session works directly in its folder: there is no change set to follow.');
        if (sessions.get(args.sessionId)?.archivedAt) return fail('invalid-state', 'An archived session has no worktree to watch.');
        return ok({ leaseMs: editWatcher.watch(args.sessionId, workspace.path) });
      }),
    'changes.review': (args) =>
      withWorktree(args.sessionId, async () => {
        const changes = await worktrees.changes(args.sessionId);
        if (!changes.ok) return changes;
        const file = changes.value.files.find((candidate) => candidate.path === args.path);
        if (!file) return fail('not-found', `${args.path} has no pending change in this session.`);
        reviews.set(args.sessionId, file, args.reviewed);
        return ok({ reviewed: args.reviewed });
      }),
    'changes.apply': (args) => withWorktree(args.sessionId, () => worktrees.apply(args.sessionId, args.selection ?? {})),
    'changes.reject': (args) => withWorktree(args.sessionId, () => rejectChanges(args.sessionId, args.selection ?? {}, args.reason)),
    'changes.commit': (args) => withWorktree(args.sessionId, () => worktrees.commit(args.sessionId, args.message)),
    'sessions.list': (args) => ok(sessions.list(args.projectId, args.includeArchived ?? false)),
    'sessions.get': (args) => sessions.withChats(args.sessionId),
    'chats.create': (args) => sessions.createChat(args),
    'chats.rename': (args) => sessions.renameChat(args.chatId, args.title),
    'chats.archive': (args) => sessions.archiveChat(args.chatId),
    'chats.markSeen': (args) => markChatSeen(args.chatId, args.turnId),
    'chats.list': (args) => ok(sessions.listChats(args.sessionId, args.includeArchived ?? false)),
    'chats.get': (args) => turns.view(args.chatId, args.limit),
    'chats.send': (args) => turns.send(args.chatId, args.text, { agent: args.agent, mode: args.mode, model: args.model, whenBusy: args.whenBusy, attachments: args.attachments }),
    'chats.draft': (args) => sessions.saveDraft(args.chatId, args.text),
    'chats.configure': (args) => turns.configure(args.chatId, { agentId: args.agentId, mode: args.mode, model: args.model }),
    'chats.cancel': (args) => turns.cancel(args.chatId),
    'chats.retry': (args) => turns.retry(args.turnId),
    'chats.history': (args) => turns.history(args.chatId, { before: args.before, after: args.after, fromTurn: args.fromTurn }, args.limit),
    'chats.queue.list': (args) => turns.queue(args.chatId),
    'chats.queue.promote': (args) => turns.promote(args.turnId),
    'chats.queue.remove': (args) => turns.removeQueued(args.turnId),
    'chats.queue.clear': (args) => turns.clearQueue(args.chatId),
    'terminals.create': (args) => terminals.create(args),
    'terminals.list': (args) => ok(terminals.list(args.sessionId)),
    'terminals.attach': (args) => terminals.attach(args.terminalId, args.viewerId, { detachBeyond: args.detachBeyond }),
    'terminals.screen': (args) => terminals.screen(args.terminalId, args.quietMs === undefined ? undefined : { quietMs: args.quietMs, atMostMs: args.atMostMs }),
    'terminals.detach': (args) => terminals.detach(args.terminalId, args.viewerId),
    'terminals.ack': (args) => terminals.ack(args.terminalId, args.viewerId, args.offset),
    'terminals.input': (args) => terminals.input(args.terminalId, args.data),
    'terminals.resize': (args) => terminals.resize(args.terminalId, args.cols, args.rows),
    'terminals.kill': (args) => terminals.kill(args.terminalId, args.confirm ?? false),
    'terminals.close': (args) => terminals.close(args.terminalId, args.confirm ?? false),
    'terminals.rename': (args) => terminals.rename(args.terminalId, args.name),
    'terminals.restart': (args) => terminals.restart(args.terminalId, args.cols, args.rows),
  };

  /**
   * Archiving ends the session's work first: its turns end (cancelled, each with its
   * `chat.turn.ended`), the worktree is saved to its hidden ref and removed, then its agents
   * and its shells stop, so none is left working in a folder that is gone. Without
   * confirmation a running turn, a program running in one of its terminals or unapplied
   * changes refuse the archive before anything is stopped.
   */
  async function archiveSession(sessionId: string, confirm: boolean): Promise<Result<Session>> {
    const session = sessions.get(sessionId);
    if (!session) return fail('not-found', `No session with id ${sessionId}.`);
    if (session.archivedAt) return ok(session);
    const chatIds = sessions.listChats(sessionId, true).map((chat) => chat.id);
    const busy = chatIds.filter((chatId) => turns.isBusy(chatId));
    if (busy.length > 0 && !confirm) {
      return fail('busy', `Session "${session.name}" has work running or waiting in ${busy.length} chat(s); confirm to stop it and archive the session.`);
    }
    const programs = terminals.foregroundPrograms(sessionId);
    if (programs.length > 0 && !confirm) {
      return fail('busy', `${programs.join(', ')} ${programs.length === 1 ? 'is' : 'are'} running in a terminal of session "${session.name}"; confirm to stop ${programs.length === 1 ? 'it' : 'them'} and archive the session.`);
    }
    editWatcher.unwatch(sessionId);
    return turns.quiesce(chatIds, `Session "${session.name}" was archived.`, async () => {
      const archived = await sessions.archive(sessionId, confirm);
      if (archived.ok) await Promise.all([...chatIds.map((chatId) => agents.pool.stop(chatId)), terminals.endSession(sessionId)]);
      return archived;
    });
  }

  /**
   * Removing a project ends the work of every one of its sessions (turns cancelled, agents
   * stopped), saves each live worktree to its hidden ref in the project repository and removes
   * it, then forgets the project. Nothing of the user's work is lost: the refs stay.
   */
  async function removeProject(projectId: ProjectId): Promise<Result<{ removed: boolean }>> {
    const project = projects.get(projectId);
    if (!project) return fail('not-found', `No project with id ${projectId}.`);
    const projectSessions = sessions.list(projectId, true);
    const chatIds = projectSessions.flatMap((session) => sessions.listChats(session.id, true).map((chat) => chat.id));
    for (const session of projectSessions) editWatcher.unwatch(session.id);
    return turns.quiesce(chatIds, `The project "${project.name}" was removed from BooCode.`, async () => {
      await Promise.all([...chatIds.map((chatId) => agents.pool.stop(chatId)), ...projectSessions.map((session) => terminals.endSession(session.id))]);
      for (const session of projectSessions) {
        if (session.archivedAt || worktrees.get(session.id)?.kind !== 'worktree') continue;
        const archived = await worktrees.archive(session.id, { confirm: true });
        if (!archived.ok) log(`could not save the worktree of session ${session.id} before removing its project: ${archived.error.message}`);
      }
      // The archive refs keep everything; the `boo/…` branches would only clutter the user's repository.
      for (const session of projectSessions) {
        if (worktrees.get(session.id)?.kind !== 'worktree') continue;
        const dropped = await worktrees.dropBranch(session.id);
        if (!dropped.ok) log(`could not delete the branch of session ${session.id}: ${dropped.error.message}`);
      }
      const removed = projects.remove(projectId);
      if (removed.ok) terminals.forgetSessions(projectSessions.map((session) => session.id));
      return removed;
    });
  }

  /**
   * An answer with a message: opencode takes the message with the answer; the Agent Client
   * Protocol has no place for one, so for an ACP agent it becomes the chat's next prompt.
   */
  async function answerPermission(requestId: string, optionId: string | undefined, message: string | undefined): Promise<Result<{ answered: boolean }>> {
    const request = agents.permissions.list().find((candidate) => candidate.id === requestId);
    const answered = agents.permissions.answer(requestId, optionId, message);
    if (!answered.ok || !request || !message || message.trim() === '') return answered;
    const spec = agents.catalog.entry(request.agentId);
    if (spec?.protocol !== 'acp') return answered;
    const choice = request.options.find((option) => option.optionId === optionId)?.name ?? 'dismissed';
    const sent = await turns.send(request.chatId, `About "${request.title}" (I answered: ${choice}): ${message.trim()}`);
    if (!sent.ok) log(`the message about permission ${requestId} could not be queued: ${sent.error.message}`);
    return answered;
  }

  /** Opens (or finds) the folder's project and asks every window to show it. */
  async function revealProject(path: string): Promise<Result<Project>> {
    const opened = await projects.open(path);
    if (opened.ok) events.publish([{ type: 'workspace.project.revealed', project: opened.value }]);
    return opened;
  }

  /**
   * Stopping the agent of a running turn would fail that turn as a crash; the user stops the
   * turn first (the chat's Stop), then the process. Nothing else holds a stopped agent: its
   * next turn starts a new process and resumes the conversation.
   */
  async function stopAgent(chatId: string, agentId: string): Promise<Result<{ stopped: boolean }>> {
    if (turns.activity(chatId).running?.agentId === agentId) {
      return fail('busy', `${agentId} is running a turn in this chat; stop the turn first, then the agent.`);
    }
    return ok({ stopped: (await agents.pool.stop(chatId, agentId)) > 0 });
  }

  function markChatSeen(chatId: string, turnId: string): Result<Chat> {
    const turn = turns.turn(turnId);
    if (!turn || turn.chatId !== chatId) return fail('not-found', `Chat ${chatId} has no turn ${turnId}.`);
    if (!terminalTurnStates.includes(turn.state)) return fail('invalid-state', 'Only a turn that has ended can be marked as seen.');
    // Turns of a chat end one after another, so the later end is the newer turn.
    return sessions.markChatSeen(chatId, turnId, (seenTurnId) => (turns.turn(seenTurnId)?.endedAt ?? '') <= (turn.endedAt ?? ''));
  }

  /** Read in one synchronous step: every event up to `seq` is in it, none after. */
  function snapshot(): WorkspaceSnapshot {
    const allProjects = projects.list();
    const allSessions = allProjects.flatMap((project) => sessions.list(project.id, true));
    const chats = allSessions.flatMap((session) => sessions.listChats(session.id, true));
    return {
      seq: events.lastSeq(),
      epoch: events.epoch,
      projects: allProjects,
      settings: settings.get(),
      sessions: allSessions.map(({ chats: _chats, ...session }) => session),
      workspaces: allSessions.flatMap((session) => {
        const workspace = worktrees.get(session.id);
        return workspace ? [workspace] : [];
      }),
      chats,
      activity: chats.map((chat) => turns.activity(chat.id)),
      changes: allSessions.flatMap((session) => {
        const summary = worktrees.summary(session.id);
        return summary ? [{ sessionId: session.id, summary }] : [];
      }),
      permissions: agents.permissions.list(),
      processes: agents.pool.list(),
      terminals: terminals.all(),
    };
  }

  /**
   * The worktree's state recorded as the user's: what changed since the last recorded turn was
   * made by no turn, so it is attributed to "you". Skipped while a turn runs in the session
   * (what changes then is the agent's, recorded when the turn ends).
   */
  async function recordEdits(sessionId: string): Promise<Result<ChangeSetSummary>> {
    const isTurnRunning = sessions.listChats(sessionId, true).some((chat) => turns.activity(chat.id).running !== null);
    if (!isTurnRunning) return worktrees.recordTurn(sessionId, { turnId: `you:${randomUUID()}`, agentId: 'you' });
    const summary = worktrees.summary(sessionId);
    return summary ? ok(summary) : fail('invalid-state', 'A turn is running in this session; its changes are recorded when it ends.');
  }

  /** The change set as a window shows it: reviewed marks, and the turns its changes came from. */
  async function describedChanges(sessionId: string, lines: 'all' | 'none'): Promise<Result<ChangeSetView>> {
    const changes = await worktrees.changes(sessionId);
    if (!changes.ok) return changes;
    const turnIds = new Set<string>();
    for (const file of changes.value.files) {
      if (file.attribution) turnIds.add(file.attribution.turnId);
      for (const hunk of file.hunks) if (hunk.attribution) turnIds.add(hunk.attribution.turnId);
    }
    // Oldest first, the order they happened in.
    const described = [...turnIds]
      .flatMap((turnId) => {
        const turn = turns.turn(turnId);
        return turn ? [turn] : [];
      })
      .sort((left, right) => left.createdAt.localeCompare(right.createdAt))
      .map((turn) => ({ id: turn.id, chatId: turn.chatId, agentId: turn.agentId, number: turns.numberInChat(turn.id), prompt: turn.prompt, messageId: turn.userMessageId }));
    const files = reviews.mark(sessionId, changes.value.files);
    return ok({ ...changes.value, files: lines === 'all' ? files : files.map((file) => ({ ...file, hunks: file.hunks.map((hunk) => ({ ...hunk, lines: [] })) })), turns: described });
  }

  /**
   * Rejects, and with a reason tells each chat whose turn made a rejected change, as its next
   * prompt, so the agent that made it hears why.
   */
  async function rejectChanges(sessionId: string, selection: ChangeSelection, reason: string | undefined): Promise<Result<ChangeSetSummary>> {
    const before = reason ? await worktrees.changes(sessionId) : undefined;
    const rejected = await worktrees.reject(sessionId, selection);
    if (!rejected.ok || !reason || !before?.ok) return rejected;
    const isEverything = selection.hunkIds === undefined && selection.files === undefined;
    const hunkIds = new Set(selection.hunkIds ?? []);
    const files = new Set(selection.files ?? []);
    const byChat = new Map<string, Set<string>>();
    for (const file of before.value.files) {
      const marks = isEverything || files.has(file.path) ? [file.attribution, ...file.hunks.map((hunk) => hunk.attribution)] : file.hunks.filter((hunk) => hunkIds.has(hunk.id)).map((hunk) => hunk.attribution);
      for (const mark of marks) {
        const chatId = mark ? turns.turn(mark.turnId)?.chatId : undefined;
        if (chatId) byChat.set(chatId, (byChat.get(chatId) ?? new Set()).add(file.path));
      }
    }
    for (const [chatId, paths] of byChat) {
      const sent = await turns.send(chatId, `I rejected your change to ${[...paths].join(', ')} because ${reason}`);
      if (!sent.ok) log(`the reason for rejecting changes could not be sent to chat ${chatId}: ${sent.error.message}`);
    }
    return rejected;
  }

  /** Change-set commands need a session that works in a worktree; say so plainly otherwise. */
  async function withWorktree<T>(sessionId: string, work: () => Promise<Result<T>>): Promise<Result<T>> {
    const session = sessions.get(sessionId);
    if (!session) return fail('not-found', `No session with id ${sessionId}.`);
    if (!worktrees.get(sessionId)) {
      return fail('invalid-arguments', `Session "${session.name}" works directly in ${session.cwd}: its changes are already in the project, so there is no change set to review.`);
    }
    return work();
  }

  async function dispatch(method: unknown, args: unknown): Promise<Result<unknown>> {
    if (isClosed) return fail('internal', 'BooCode is shutting down.');
    if (!isCommandName(method)) {
      return fail('unknown-command', `Unknown command ${JSON.stringify(String(method).slice(0, 80))}.`);
    }
    if (method === 'events.subscribe') {
      return fail('invalid-arguments', 'events.subscribe needs a live channel: use subscribe() on the transport.');
    }
    const parsed = parseArgs(method, args);
    if (!parsed.ok) return parsed;
    try {
      const handler = handlers[method] as (input: unknown) => Promise<Result<unknown>> | Result<unknown>;
      return await handler(parsed.value);
    } catch (error) {
      log(`${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fail('internal', `${method} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const subscribe: Core['subscribe'] = (position, listener) => events.subscribe(position, listener);

  const api: BooApi = {
    call: (name, args) => dispatch(name, args) as never,
    async subscribe(position, listener) {
      const parsed = parseArgs('events.subscribe', position);
      if (!parsed.ok) return { result: parsed, unsubscribe: () => {} };
      const { result, unsubscribe } = subscribe(parsed.value, listener);
      return { result: ok(result), unsubscribe };
    },
  };

  const owner = options.owner ?? { kind: 'cli' as const, label: 'a BooCode process' };
  let control: ControlServer | undefined;
  const serializeEvent = (event: AppEvent): string => events.serialized(event);
  const ready = startControlServer({ dispatch, api, serializeEvent }, { dataDir: options.dataDir, kind: owner.kind, label: owner.label, log }).then((started) => {
    if (started.ok) control = started.value;
    // Without the socket other processes cannot reach this core; it still works for this one.
    else log(`other BooCode processes cannot reach this one: ${started.error.message}`);
  });

  return {
    dataDir: options.dataDir,
    ready,
    events,
    store,
    agents,
    turns,
    sessions,
    settingsService: settings,
    worktrees,
    terminals,
    dispatch,
    api,
    serializeEvent,
    subscribe,
    async close() {
      if (isClosed) return;
      isClosed = true;
      clearInterval(reaper);
      await ready;
      // Clients learn at once that this owner is going, and one of them may take over.
      await control?.close();
      await startup;
      editWatcher.close();
      await turns.shutdown();
      await agents.shutdown();
      await terminals.shutdown();
      await worktrees.close();
      store.close();
      lock.release();
    },
  };
}

function packageVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    // Bundled or not, the package.json sits two levels up from both src/main/core and out/main.
    for (const candidate of ['../../package.json', '../../../package.json']) {
      try {
        const pkg = require(candidate) as { name?: string; version?: string };
        if (pkg.name === 'boocode' && pkg.version) return pkg.version;
      } catch {
        // try the next candidate location
      }
    }
  } catch {
    // fall through to the placeholder below
  }
  return '0.0.0';
}
