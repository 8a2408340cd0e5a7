// Session workspaces and change sets as clients see them: where a session's agents work, and
// what they changed there relative to what the project has already taken, hunk by hunk.
import { z } from 'zod';

const Timestamp = z.string();

/** Something the user should know about a workspace; it never blocks the session. */
export const WorkspaceNoticeSchema = z.object({
  kind: z.enum([
    'uncommitted-project-changes', // the worktree starts from HEAD, without the project's uncommitted edits
    'setup-command-failed',
    'setup-file-missing', // a file named for copying is not in the project
    'setup-file-tracked', // named for copying but tracked: the worktree already has it from HEAD
    'no-commits', // a git repository without a commit has no HEAD to branch from: the session works in the folder
  ]),
  message: z.string(),
});
export type WorkspaceNotice = z.infer<typeof WorkspaceNoticeSchema>;

/** What preparing the worktree did beyond `git worktree add`. */
export const SetupReportSchema = z.object({
  /** Project-relative paths copied into the worktree (untracked setup files such as `.env`). */
  copiedFiles: z.array(z.string()),
  command: z.string().nullable(),
  /** null when no command ran, or it was stopped by a signal or a timeout. */
  exitCode: z.number().int().nullable(),
  isCommandOk: z.boolean(),
  /** stdout and stderr interleaved, cut to its last part when long. */
  output: z.string(),
});
export type SetupReport = z.infer<typeof SetupReportSchema>;

export const WorktreeStateSchema = z.enum([
  'active',
  'archived', // saved to its hidden ref; the directory may still exist until it is reaped
  'vanished', // the directory disappeared outside BooCode; restore brings back what the refs hold
]);
export type WorktreeState = z.infer<typeof WorktreeStateSchema>;

/** Where a session's agents work: its own git worktree, or the project folder itself. */
export const SessionWorkspaceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('worktree'),
    sessionId: z.string(),
    projectPath: z.string(),
    /** The session's working directory: the worktree, or the project's subfolder inside it. */
    path: z.string(),
    /** Top of the worktree (differs from `path` when the project is a subfolder of its repository). */
    root: z.string(),
    branch: z.string(),
    /** The project's HEAD when the worktree was made. */
    baseCommit: z.string(),
    state: WorktreeStateSchema,
    hasDirectory: z.boolean(),
    /** `refs/boocode/archive/<session-id>` in the project repository, once archived. */
    archiveRef: z.string().nullable(),
    notices: z.array(WorkspaceNoticeSchema),
    setup: SetupReportSchema.nullable(),
    createdAt: Timestamp,
    archivedAt: Timestamp.nullable(),
  }),
  z.object({
    kind: z.literal('folder'),
    sessionId: z.string(),
    projectPath: z.string(),
    path: z.string(),
    notices: z.array(WorkspaceNoticeSchema),
    createdAt: Timestamp,
  }),
]);
export type SessionWorkspace = z.infer<typeof SessionWorkspaceSchema>;

/** The turn (and its agent) that last changed a file or a hunk. */
export const AttributionSchema = z.object({ agentId: z.string(), turnId: z.string() });
export type Attribution = z.infer<typeof AttributionSchema>;

/** Content-derived: a hunk keeps its id while its removed and added lines stay the same. */
export const HunkIdSchema = z.string().min(1).max(64).brand<'HunkId'>();
export type HunkId = z.infer<typeof HunkIdSchema>;

export const HunkSchema = z.object({
  id: HunkIdSchema,
  /** Line numbers against the content the project has taken so far, and against the worktree. */
  oldStart: z.number().int(),
  oldLines: z.number().int(),
  newStart: z.number().int(),
  newLines: z.number().int(),
  /** Unified-diff lines: ' ' context, '-' removed, '+' added, '\' no newline at end of file. */
  lines: z.array(z.string()),
  additions: z.number().int(),
  deletions: z.number().int(),
  /** null only for changes that predate any recorded turn. */
  attribution: AttributionSchema.nullable(),
});
export type Hunk = z.infer<typeof HunkSchema>;

export const ChangeKindSchema = z.enum(['added', 'modified', 'deleted', 'renamed', 'type-changed']);
export type ChangeKind = z.infer<typeof ChangeKindSchema>;

export const ChangedFileSchema = z.object({
  /** Repository-relative path in the worktree; for a deletion, the path that was removed. */
  path: z.string(),
  /** The path before a rename; null otherwise. */
  oldPath: z.string().nullable(),
  kind: ChangeKindSchema,
  isBinary: z.boolean(),
  /** Git modes such as '100644', '100755', '120000' (symlink); null on the side where the file is absent. */
  oldMode: z.string().nullable(),
  newMode: z.string().nullable(),
  /** Percent of content kept by a rename. */
  similarity: z.number().int().nullable(),
  additions: z.number().int(),
  deletions: z.number().int(),
  /** Empty for binary files, pure renames and mode changes: those are taken or dropped as whole files. */
  hunks: z.array(HunkSchema),
  attribution: AttributionSchema.nullable(),
});
export type ChangedFile = z.infer<typeof ChangedFileSchema>;

/** A turn that made some of the pending changes, for badges ("qwen, turn 3") and links to it. */
export const ChangeTurnSchema = z.object({
  id: z.string(),
  chatId: z.string(),
  agentId: z.string(),
  /** The turn's place in its chat: 1 for the chat's first. */
  number: z.number().int(),
  prompt: z.string(),
  /** The turn's prompt in the transcript, where a link to the turn lands. */
  messageId: z.string().nullable(),
});
export type ChangeTurn = z.infer<typeof ChangeTurnSchema>;

/** Counts of a session's pending change set; the payload of `changes.updated`. */
export const ChangeSetSummarySchema = z.object({
  files: z.number().int(),
  hunks: z.number().int(),
  additions: z.number().int(),
  deletions: z.number().int(),
  /** The last turn recorded; null before the first. */
  turnId: z.string().nullable(),
  computedAt: Timestamp,
});
export type ChangeSetSummary = z.infer<typeof ChangeSetSummarySchema>;

/** What the session's agents changed in its worktree that the project has not taken yet. */
export const ChangeSetSchema = z.object({
  sessionId: z.string(),
  baseCommit: z.string(),
  files: z.array(ChangedFileSchema),
  summary: ChangeSetSummarySchema,
});
export type ChangeSet = z.infer<typeof ChangeSetSchema>;

/** A change set as the changes tab shows it: with reviewed marks and the turns it came from. */
export const ChangeSetViewSchema = ChangeSetSchema.extend({
  files: z.array(
    ChangedFileSchema.extend({
      /** The user marked the file reviewed, and it has not changed since. */
      reviewed: z.boolean(),
    }),
  ),
  /** The turns the pending changes are attributed to. */
  turns: z.array(ChangeTurnSchema),
});
export type ChangeSetView = z.infer<typeof ChangeSetViewSchema>;
export type ReviewedFile = ChangeSetView['files'][number];

/** Hunks and whole files to apply or reject; neither given means everything pending. */
export const ChangeSelectionSchema = z
  .object({
    hunkIds: z.array(z.string().min(1).max(64)).max(100_000).optional(),
    files: z.array(z.string().min(1).max(4096)).max(100_000).optional(),
  })
  .strict();
export type ChangeSelection = z.infer<typeof ChangeSelectionSchema>;

/** A file that cannot be applied because the project changed underneath. */
export const ApplyConflictSchema = z.object({ path: z.string(), reason: z.string() });
export type ApplyConflict = z.infer<typeof ApplyConflictSchema>;

export const ApplyOutcomeSchema = z.object({
  appliedFiles: z.array(z.string()),
  appliedHunkIds: z.array(HunkIdSchema),
  /** What is still pending afterwards. */
  summary: ChangeSetSummarySchema,
});
export type ApplyOutcome = z.infer<typeof ApplyOutcomeSchema>;

/** The event published after a change set is recorded, applied from or rejected from. */
export const ChangesUpdatedEventSchema = z.object({
  type: z.literal('changes.updated'),
  sessionId: z.string(),
  summary: ChangeSetSummarySchema,
});
export type ChangesUpdatedEvent = z.infer<typeof ChangesUpdatedEventSchema>;
