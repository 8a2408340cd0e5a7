// `boocode run`: one turn, headless, for scripts and CI. It opens (or reuses) the project,
// creates a session and a chat unless told which, sends the prompt, streams what happens, and
// exits 0 only when the turn completed.
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import type { PermissionRequest } from '../../shared/agents.ts';
import type { Turn } from '../../shared/chats.ts';
import type { AppEvent, BooApi, Result, SubscriptionMessage } from '../../shared/contract.ts';
import { defaultDataDir } from '../core/dataDir.ts';
import { failure, usageError, type CliCommand } from './command.ts';
import { pathOption, withDataDir } from './dataDir.ts';
import { connectRemote } from './remoteApi.ts';

/** Exit codes of `boocode run`, beyond 0 (completed) and 2 (usage). */
export const runExitCodes = {
  completed: 0,
  /** The agent crashed, failed the turn, or BooCode could not run it. */
  failed: 1,
  usage: 2,
  /** The agent is not installed (or not known). */
  agentMissing: 3,
  /** The turn was cancelled (SIGINT) or interrupted. */
  cancelled: 4,
  /** The agent refused (stop reason `refusal`). */
  refused: 5,
} as const;

type Approve = 'ask' | 'allow' | 'reject';

export const runCommand: CliCommand = {
  summary: 'Run one turn of an agent on a project, headless; exit 0 when it completes.',
  usage: `Usage: boocode run (--project PATH --agent AGENT [--session ID] | --chat ID) [--json]
                   [--approve ask|allow|reject] [--mode MODE] [--model MODEL]
                   [--data-dir DIR | --attach URL] PROMPT

Opens the project (or reuses it), creates a session and a chat unless --session/--chat name
them, sends PROMPT to AGENT and waits for the turn to end. The assistant's text goes to
stdout and tool calls to stderr, one line each; with --json, stdout gets one JSON object per
line: {"type":"run.started",…,"cwd":…}, then the turn's events, and last its chat.turn.ended
event. Ctrl-C cancels the turn (the agent is told to stop) and exits non-zero.

Options:
  --project PATH      the project folder (or a project id); not needed with --chat
  --agent AGENT       the agent to run (see \`boocode agents\`)
  --session ID        run in this session instead of a new one
  --chat ID           continue this chat instead of a new one
  --json              JSON lines on stdout
  --approve POLICY    what to answer when the agent asks permission: ask (on the terminal;
                      the default when stdin is a terminal), allow (each request, once), or
                      reject (the default otherwise)
  --mode MODE         the agent mode for this turn, when the agent offers it
  --model MODEL       the model for this turn, when the agent offers a choice
  --data-dir DIR      where projects and chats are stored (default: ${defaultDataDir()})
  --attach URL        run on a \`boocode serve\` (its printed URL) and reuse its warm agents
  -h, --help          show this help

Exit codes: 0 completed, 1 failed or crashed, 2 bad command line, 3 agent not installed,
4 cancelled or interrupted, 5 refused by the agent.`,
  options: {
    'data-dir': { type: 'string' },
    project: { type: 'string' },
    session: { type: 'string' },
    chat: { type: 'string' },
    agent: { type: 'string' },
    json: { type: 'boolean' },
    approve: { type: 'string' },
    mode: { type: 'string' },
    model: { type: 'string' },
    attach: { type: 'string' },
  },
  allowPositionals: true,
  async run(values, positionals) {
    const prompt = positionals.join(' ').trim();
    const projectOption = pathOption(values, 'project');
    if (!projectOption.ok) return projectOption.code;
    const project = projectOption.value;
    const agent = values.agent as string | undefined;
    if (!project && !values.chat) return usageError('run: --project is required (or --chat to continue a chat).');
    if (!agent && !values.chat) return usageError('run: --agent is required (or --chat to continue a chat with its agent).');
    if (prompt === '') return usageError('run: the prompt is missing.');
    const approve = (values.approve as string | undefined) ?? (process.stdin.isTTY ? 'ask' : 'reject');
    if (approve !== 'ask' && approve !== 'allow' && approve !== 'reject') return usageError('run: --approve takes ask, allow or reject.');
    if (values.attach !== undefined && values['data-dir'] !== undefined) return usageError('run: --attach and --data-dir exclude each other.');
    const request: RunRequest = {
      project,
      agent,
      sessionId: values.session as string | undefined,
      chatId: values.chat as string | undefined,
      prompt,
      json: values.json === true,
      approve,
      mode: values.mode as string | undefined,
      model: values.model as string | undefined,
    };

    if (typeof values.attach === 'string') {
      const remote = await connectRemote(values.attach);
      if (!remote.ok) return failure(remote.error.message);
      try {
        return await runTurn(remote.value, request);
      } finally {
        remote.value.close();
      }
    }
    return withDataDir(values, 'run', (api) => runTurn(api, request));
  },
};

interface RunRequest {
  readonly project: string | undefined;
  readonly agent: string | undefined;
  readonly sessionId: string | undefined;
  readonly chatId: string | undefined;
  readonly prompt: string;
  readonly json: boolean;
  readonly approve: Approve;
  readonly mode: string | undefined;
  readonly model: string | undefined;
}

async function runTurn(api: BooApi, request: RunRequest): Promise<number> {
  let chatId = request.chatId;
  let sessionId = request.sessionId;
  let projectId: string;
  if (chatId) {
    // A chat knows its session and project; --project is not needed to continue it.
    const view = await api.call('chats.get', { chatId, limit: 1 });
    if (!view.ok) return failure(view.error.message);
    sessionId = view.value.session.id;
    projectId = view.value.session.projectId;
  } else {
    const projects = await api.call('projects.list', {});
    if (!projects.ok) return failure(projects.error.message);
    const known = projects.value.find((candidate) => candidate.id === request.project);
    const project = known ? { ok: true as const, value: known } : await api.call('projects.open', { path: resolve(request.project ?? '') });
    if (!project.ok) return failure(project.error.message);
    projectId = project.value.id;
    if (!sessionId) {
      const session = await api.call('sessions.create', { projectId: project.value.id });
      if (!session.ok) return failure(session.error.message);
      sessionId = session.value.id;
    }
    const chat = await api.call('chats.create', { sessionId, agentId: request.agent ?? '' });
    if (!chat.ok) return failure(chat.error.message);
    chatId = chat.value.id;
  }
  const session = await api.call('sessions.get', { sessionId });
  if (!session.ok) return failure(session.error.message);
  const targetChat = chatId;

  // Follow events before sending, so nothing of the turn is missed; sort them once the turn id is known.
  // Set once the send is accepted; the listener below reads it.
  const our: { turnId?: string } = {};
  const early: AppEvent[] = [];
  const ourMessages = new Set<string>();
  let settle: (turn: Turn) => void = () => {};
  const ended = new Promise<Turn>((resolveEnd) => {
    settle = resolveEnd;
  });
  const output = createOutput(request.json);
  const answering = new Set<string>();

  const handle = (event: AppEvent): void => {
    if (!belongsToTurn(event, targetChat, our.turnId, ourMessages)) return;
    if (event.type === 'agent.permission.requested' && !answering.has(event.request.id)) {
      answering.add(event.request.id);
      void decide(api, event.request, request.approve, output);
    }
    if (event.type === 'chat.turn.ended') {
      output.end(event);
      settle(event.turn);
      return;
    }
    output.event(event);
  };
  const position = await api.call('app.info', {});
  const following = { stop: (): void => {} };
  const onMessage = (message: SubscriptionMessage): void => {
    if (message.kind === 'resync') {
      // The stream ended (the core that owned the data folder went away and another took over,
      // or we fell behind): follow again, and ask where the turn is now.
      void api.subscribe({ afterSeq: 0 }, onMessage).then((again) => {
        following.stop = again.unsubscribe;
        return checkTurn();
      });
      return;
    }
    if (message.kind === 'transient') return; // terminal output: not part of a turn
    if (our.turnId === undefined) early.push(message.event);
    else handle(message.event);
  };
  const checkTurn = async (): Promise<void> => {
    if (our.turnId === undefined) return;
    const view = await api.call('chats.get', { chatId: targetChat, limit: 1 });
    if (!view.ok) return;
    const turn = view.value.recentTurns.find((candidate) => candidate.id === our.turnId);
    if (turn && turn.state !== 'queued' && turn.state !== 'running') {
      output.note(`the turn ended as ${turn.state} while BooCode changed hands`);
      settle(turn);
    }
  };
  const subscription = await api.subscribe({ afterSeq: 0 }, onMessage);
  following.stop = subscription.unsubscribe;
  if (!subscription.result.ok) return failure(subscription.result.error.message);
  const sent = await api.call('chats.send', { chatId: targetChat, text: request.prompt, agent: request.agent, mode: request.mode, model: request.model });
  if (!sent.ok) {
    following.stop();
    process.stderr.write(`boocode: ${sent.error.message}\n`);
    return sent.error.kind === 'agent-not-installed' || sent.error.kind === 'not-found' ? runExitCodes.agentMissing : runExitCodes.failed;
  }
  const turnId = sent.value.turnId;
  our.turnId = turnId;
  if (request.json) {
    output.line({ type: 'run.started', projectId, sessionId, chatId: targetChat, turnId, queued: sent.value.queued, cwd: session.value.cwd, epoch: position.ok ? position.value.epoch : null });
  }
  const replay = subscription.result.value.kind === 'replay' ? subscription.result.value.events : [];
  for (const event of [...replay, ...early].sort((a, b) => a.seq - b.seq)) handle(event);
  early.length = 0;

  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(runExitCodes.cancelled); // a second Ctrl-C: stop waiting
    process.stderr.write('\nboocode: cancelling the turn…\n');
    void api.call('chats.cancel', { chatId: targetChat });
  };
  process.on('SIGINT', onSigint);
  try {
    const turn = await ended;
    following.stop();
    return exitCodeOf(turn, request.json);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function belongsToTurn(event: AppEvent, chatId: string, turnId: string | undefined, messages: Set<string>): boolean {
  switch (event.type) {
    case 'chat.turn.changed':
    case 'chat.turn.ended':
      return event.turn.id === turnId;
    case 'chat.message.created':
      if (event.message.turnId !== turnId) return false;
      messages.add(event.message.id);
      return true;
    case 'chat.part.updated':
      return messages.has(event.part.messageId);
    case 'chat.part.delta':
      return messages.has(event.messageId);
    case 'agent.permission.requested':
      return event.request.chatId === chatId;
    case 'agent.process.changed':
      return event.process.chatId === chatId;
    case 'chat.record.changed':
      return event.chat.id === chatId;
    default:
      return false;
  }
}

function exitCodeOf(turn: Turn, isJson: boolean): number {
  const say = (reason: string) => {
    if (!isJson) process.stderr.write(`boocode: ${reason}\n`);
  };
  switch (turn.state) {
    case 'completed':
      if (turn.stopReason === 'refusal') {
        say(`the agent refused.`);
        return runExitCodes.refused;
      }
      return runExitCodes.completed;
    case 'cancelled':
    case 'interrupted':
      say(`the turn was ${turn.state}.`);
      return runExitCodes.cancelled;
    case 'failed':
      say(`${turn.error?.kind ?? 'failed'}: ${(turn.error?.message ?? 'the turn failed').split('\n')[0]}`);
      return turn.error?.kind === 'agent-not-installed' ? runExitCodes.agentMissing : runExitCodes.failed;
    default:
      say(`the turn ended as ${turn.state}.`);
      return runExitCodes.failed;
  }
}

async function decide(api: BooApi, request: PermissionRequest, approve: Approve, output: Output): Promise<void> {
  // The first kind the agent offers, in our order of preference, not the agent's order of options:
  // automatic approval answers each request once. An "always" changes the agent's own settings,
  // and gemini refuses it in a folder it does not trust (every new worktree), failing the write.
  const pick = (kinds: readonly string[]) => kinds.map((kind) => request.options.find((option) => option.kind === kind)).find((option) => option !== undefined)?.optionId;
  let optionId: string | undefined;
  if (approve === 'allow') optionId = pick(['allow_once', 'allow_always']);
  else if (approve === 'reject') optionId = pick(['reject_once', 'reject_always']);
  else optionId = await askOnTerminal(request);
  output.note(`permission "${request.title}": ${request.options.find((option) => option.optionId === optionId)?.name ?? 'dismissed'}`);
  const answered: Result<unknown> = await api.call('permissions.answer', { requestId: request.id, optionId });
  if (!answered.ok) output.note(`could not answer the permission request: ${answered.error.message}`);
}

async function askOnTerminal(request: PermissionRequest): Promise<string | undefined> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const choices = request.options.map((option, index) => `  ${index + 1}) ${option.name}`).join('\n');
    const answer = await terminal.question(`\nThe agent asks: ${request.title}\n${choices}\nChoose 1-${request.options.length} (anything else dismisses): `);
    return request.options[Number(answer.trim()) - 1]?.optionId;
  } finally {
    terminal.close();
  }
}

interface Output {
  line(value: unknown): void;
  event(event: AppEvent): void;
  end(event: AppEvent): void;
  note(text: string): void;
}

function createOutput(isJson: boolean): Output {
  const textParts = new Set<string>();
  const toolStates = new Map<string, string>();
  return {
    line: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
    event(event) {
      if (isJson) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
        return;
      }
      if (event.type === 'chat.part.updated') {
        const part = event.part;
        if (part.kind === 'text' && !textParts.has(part.id)) {
          textParts.add(part.id);
          process.stdout.write(part.text);
        } else if (part.kind === 'tool-call' && toolStates.get(part.call.id) !== part.call.status) {
          toolStates.set(part.call.id, part.call.status);
          process.stderr.write(`⚙ ${part.call.title} [${part.call.status}]\n`);
        } else if (part.kind === 'notice') {
          process.stderr.write(`! ${part.message}\n`);
        }
      } else if (event.type === 'chat.part.delta' && textParts.has(event.partId)) {
        process.stdout.write(event.delta);
      }
    },
    end(event) {
      if (isJson) process.stdout.write(`${JSON.stringify(event)}\n`);
      else if (textParts.size > 0) process.stdout.write('\n');
    },
    note(text) {
      if (!isJson) process.stderr.write(`${text}\n`);
    },
  };
}
