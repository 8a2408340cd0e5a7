// The agents BooCode knows without being told, and what each one needs done differently.
// Every per-agent workaround lives in `quirksByAgent`, so the backends never test agent ids.
import type { AgentId } from '../../../shared/agents.ts';

/** How one agent deviates from a well-behaved ACP agent. */
export interface AgentQuirks {
  /** gemini: its new-file writes fail when the client advertises fs.readTextFile (-32002 mishandled). */
  readonly advertiseReadTextFile: boolean;
  /** Mode to set right after session/new (codex starts read-only; its shell needs bubblewrap otherwise). */
  readonly initialModeId: string | null;
  /** gemini advertises loadSession but session/load fails; don't try it, start fresh. */
  readonly trustLoadSession: boolean;
  /**
   * gemini refuses its own "always" permission options in a folder it does not trust (every new
   * worktree): BooCode answers with the once-option and remembers the "always" itself.
   */
  readonly acceptsAlwaysOptions: boolean;
}

/** A built-in agent: how to launch it and how to tell the user to install it. */
export interface AgentPreset {
  readonly id: AgentId;
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** How BooCode talks to it: ACP over stdio, or opencode's HTTP server (`opencode serve`). */
  readonly protocol: 'acp' | 'opencode-server';
  /** A sentence for people, shown when the executable is not found. */
  readonly installHint: string;
}

const npmHint = (pkg: string) => `Install it with: npm install -g ${pkg}`;

/** In the order the picker shows them. All but `opencode` speak ACP over stdio. */
export const builtinPresets: readonly AgentPreset[] = [
  { id: 'qwen', name: 'Qwen Code', command: 'qwen', args: ['--acp'], protocol: 'acp', installHint: npmHint('@qwen-code/qwen-code') },
  { id: 'gemini', name: 'Gemini CLI', command: 'gemini', args: ['--acp'], protocol: 'acp', installHint: npmHint('@google/gemini-cli') },
  {
    id: 'claude',
    name: 'Claude Code',
    command: 'claude-agent-acp',
    args: [],
    protocol: 'acp',
    installHint: npmHint('@agentclientprotocol/claude-agent-acp'),
  },
  { id: 'codex', name: 'Codex', command: 'codex-acp', args: [], protocol: 'acp', installHint: npmHint('@zed-industries/codex-acp') },
  // One warm `opencode serve` per working directory, shared by the chats there (opencode/servers.ts).
  { id: 'opencode', name: 'opencode', command: 'opencode', args: ['serve'], protocol: 'opencode-server', installHint: npmHint('opencode-ai') },
  { id: 'opencode-acp', name: 'opencode (ACP)', command: 'opencode', args: ['acp'], protocol: 'acp', installHint: npmHint('opencode-ai') },
  {
    id: 'goose',
    name: 'Goose',
    command: 'goose',
    args: ['acp'],
    protocol: 'acp',
    // goose is not published on npm; only its own installer puts it on PATH.
    installHint: 'Install it with goose\'s own installer: https://block.github.io/goose/docs/getting-started/installation',
  },
];

/** What a well-behaved ACP agent gets, and what every custom agent gets. */
export const defaultQuirks: AgentQuirks = { advertiseReadTextFile: true, initialModeId: null, trustLoadSession: true, acceptsAlwaysOptions: true };

/** Deviations from `defaultQuirks`, observed with the versions in AGENT-FIELD-NOTES.md. */
const quirksByAgent: Readonly<Record<string, Partial<AgentQuirks>>> = {
  // @google/gemini-cli 0.61: with fs.readTextFile advertised, its write tool reads the file first
  // and mis-handles our -32002 (resource not found), so creating a new file fails. And session/load
  // answers "No previous sessions found" every time although loadSession is advertised. Choosing
  // its allow_always option in an untrusted folder fails the tool call with "Cannot enable
  // privileged approval modes in an untrusted folder" while the turn ends end_turn.
  gemini: { advertiseReadTextFile: false, trustLoadSession: false, acceptsAlwaysOptions: false },
  // @zed-industries/codex-acp 0.16 starts every session in mode `read-only`, whose shell tool runs
  // under bubblewrap; without bubblewrap (most desktops, every container) each command fails. Our
  // worktree and permission prompts are the sandbox, so we switch to `full-access` at once.
  codex: { initialModeId: 'full-access' },
};

export function quirksFor(agentId: string): AgentQuirks {
  return { ...defaultQuirks, ...(Object.hasOwn(quirksByAgent, agentId) ? quirksByAgent[agentId] : {}) };
}
