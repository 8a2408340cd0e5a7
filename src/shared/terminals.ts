// Terminals as clients see them: the user's shells in a session's folder, and the commands an
// agent runs through ACP `terminal/create`, shown read-only.
import { z } from 'zod';

const Id = z.string().min(1).max(64);
const Timestamp = z.string();

/**
 * `running`: a live process. `exited`: it ended while BooCode ran (the exit code says how).
 * `restored`: the shell ended when BooCode stopped; its last screen is kept, read-only, until
 * the user starts a new shell in its place.
 */
export const TerminalStateSchema = z.enum(['running', 'exited', 'restored']);
export type TerminalState = z.infer<typeof TerminalStateSchema>;

export const TerminalSchema = z.object({
  id: Id,
  sessionId: z.string(),
  /** `shell`: the user's own, takes input. `agent`: a command an agent runs; read-only. */
  kind: z.enum(['shell', 'agent']),
  /** The chat whose agent started an agent terminal; null for a shell. */
  chatId: z.string().nullable(),
  /** Given by the user; the title is shown when null. */
  name: z.string().nullable(),
  /** Set by the program through the OSC title sequence; the command until it does. */
  title: z.string(),
  cwd: z.string(),
  /** The shell, or the agent's command line. */
  command: z.string(),
  state: TerminalStateSchema,
  exitCode: z.number().int().nullable(),
  /** The signal that ended it (SIGKILL, SIGHUP…), when one did. */
  signal: z.string().nullable(),
  createdAt: Timestamp,
  endedAt: Timestamp.nullable(),
});
/** One terminal: a tab's target, upserted by id from `terminal.record.changed`. */
export type Terminal = z.infer<typeof TerminalSchema>;

export const TerminalSizeSchema = {
  /** Columns and rows a client may ask for; beyond these a pty is useless or a typo. */
  cols: z.number().int().min(2).max(1000),
  rows: z.number().int().min(1).max(500),
};

/**
 * Output appended to a terminal, in ~5 ms batches. `offset` is where `data` starts in the
 * terminal's output stream, counted in UTF-16 code units (what JavaScript strings and
 * xterm.write measure), so a client shows every unit once: it skips what it already has and
 * reattaches when it sees a gap.
 */
export const TerminalOutputEventSchema = z.object({
  type: z.literal('terminal.output.appended'),
  terminalId: z.string(),
  offset: z.number().int().min(0),
  data: z.string(),
});
export type TerminalOutputEvent = z.infer<typeof TerminalOutputEventSchema>;

/**
 * The core stopped sending a view a terminal's output: the view attached with `detachBeyond`
 * and fell that far behind (a flood it parses more slowly than the shell writes). Rather than
 * hold the shell back, it looks at the screen instead (`terminals.screen`) until it attaches again.
 */
export const TerminalViewerDetachedEventSchema = z.object({
  type: z.literal('terminal.viewer.detached'),
  terminalId: z.string(),
  viewerId: z.string(),
});
export type TerminalViewerDetachedEvent = z.infer<typeof TerminalViewerDetachedEventSchema>;

/** What `terminals.attach` answers: the screen as escape sequences, and the stream offset it covers. */
export const TerminalAttachmentSchema = z.object({
  terminal: TerminalSchema,
  /** Written into a fresh xterm, reproduces the screen and scrollback up to `offset`. */
  screen: z.string(),
  offset: z.number().int().min(0),
  /** The size the screen was written at: write it into a terminal of that size, then fit. */
  cols: z.number().int(),
  rows: z.number().int(),
});
export type TerminalAttachment = z.infer<typeof TerminalAttachmentSchema>;
