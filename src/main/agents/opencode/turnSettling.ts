// When an opencode turn is over. An idle settles the turn only when the newest assistant message
// of *this* turn is finished: that is the abort guard, since after session.abort opencode sends
// a late session.idle (and error) for the aborted turn, and those can never settle the next
// turn, whose own assistant message is not finished yet. Whoever settles first (idle, abort,
// server exit, the cancel grace) gives the turn its one result.
import type { AssistantMessage } from '@opencode-ai/sdk/v2';
import type { AgentEvent, SessionOrigin } from '../../../shared/agents.ts';
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { TurnOutcome } from '../backend.ts';
import { errorText, isFinished, stopReasonOf, type TurnMapper } from './mapEvent.ts';

export interface RunningTurn {
  readonly userMessageId: string;
  readonly sessionId: string;
  readonly origin: SessionOrigin;
  readonly onEvent: (event: AgentEvent) => void;
  readonly mapper: TurnMapper;
  /** Aborted when the turn ends or is stopped: its pending permission prompts are cancelled. */
  readonly abort: AbortController;
  /** opencode permission requests asked during the turn and not yet answered. */
  readonly openPermissions: Set<string>;
  isCancelRequested: boolean;
  /** Resolves with the turn's one result, whoever settled it. */
  readonly done: Promise<Result<TurnOutcome>>;
  isSettled(): boolean;
  settle(result: Result<TurnOutcome>): void;
  /** Settles as cancelled, with the usage known so far. */
  settleCancelled(): void;
  /** After a message.updated: a finished reply gets its idle confirmed even if the idle never comes. */
  onAssistantUpdated(info: AssistantMessage): void;
  onIdle(): void;
  /** Stops the turn's timers; call when the turn has ended. */
  dispose(): void;
}

export interface RunningTurnOptions {
  readonly userMessageId: string;
  readonly sessionId: string;
  readonly origin: SessionOrigin;
  readonly onEvent: (event: AgentEvent) => void;
  readonly mapper: TurnMapper;
  readonly agentName: string;
  /** How long after a finished message the server's own status is asked, if no idle came. */
  readonly idleConfirmMs: number;
  /** The session's status on the server ('idle', 'busy', 'retry'); undefined means idle. */
  readonly status: () => Promise<string | undefined>;
  readonly log: (line: string) => void;
}

export function createRunningTurn(options: RunningTurnOptions): RunningTurn {
  const { mapper, agentName } = options;
  let resolve: (result: Result<TurnOutcome>) => void = () => undefined;
  const done = new Promise<Result<TurnOutcome>>((settled) => {
    resolve = settled;
  });
  let isSettled = false;
  let confirmTimer: NodeJS.Timeout | undefined;

  const turn: RunningTurn = {
    userMessageId: options.userMessageId,
    sessionId: options.sessionId,
    origin: options.origin,
    onEvent: options.onEvent,
    mapper,
    abort: new AbortController(),
    openPermissions: new Set(),
    isCancelRequested: false,
    done,
    isSettled: () => isSettled,
    settle(result) {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(confirmTimer);
      resolve(result);
    },
    settleCancelled() {
      turn.settle(ok({ stopReason: 'cancelled', origin: turn.origin, sessionId: turn.sessionId, usage: mapper.usage() }));
    },
    onAssistantUpdated(info) {
      if (!isFinished(info)) return;
      clearTimeout(confirmTimer);
      confirmTimer = setTimeout(() => void confirmIdle(), options.idleConfirmMs);
      confirmTimer.unref();
    },
    onIdle,
    dispose() {
      clearTimeout(confirmTimer);
    },
  };

  /**
   * One that completed asking for tools is ambiguous: the loop usually goes on with the next
   * step, but a rejected permission ends it right there. Then the server's own status decides.
   */
  function onIdle(): void {
    if (!mapper.isUserMessageSeen()) return;
    const newest = mapper.newestAssistant();
    if (newest && isFinished(newest)) {
      turn.settle(outcomeOf(newest));
      return;
    }
    const error = mapper.error();
    if (error !== null && (!newest || newest.time.completed !== undefined)) {
      turn.settle(fail('agent-error', `${agentName} failed the turn: ${error}`));
      return;
    }
    if (newest?.time.completed !== undefined) void confirmIdle();
  }

  /** Asks the server whether the session is really idle, and settles on its newest message if so. */
  async function confirmIdle(): Promise<void> {
    if (isSettled) return;
    try {
      // Busy: the loop goes on, and its own idle comes later. Absent means idle.
      if (((await options.status()) ?? 'idle') !== 'idle') return;
      const newest = mapper.newestAssistant();
      if (newest?.time.completed !== undefined) turn.settle(outcomeOf(newest));
    } catch (error) {
      options.log(`${agentName}: could not read session status: ${errorText(error)}`);
    }
  }

  function outcomeOf(message: AssistantMessage): Result<TurnOutcome> {
    const error = message.error;
    if (error && error.name !== 'MessageAbortedError') return fail('agent-error', `${agentName} failed the turn: ${errorText(error)}`);
    const stopReason = error || turn.isCancelRequested ? 'cancelled' : stopReasonOf(message.finish);
    return ok({ stopReason, origin: turn.origin, sessionId: turn.sessionId, usage: mapper.usage() });
  }

  return turn;
}
