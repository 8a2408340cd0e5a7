// The desktop app follows the core's `workspace.project.revealed` events (from `boocode open`,
// or a second launch of the app), to bring its window forward. Live events only: a reveal
// replayed after a reconnect is old. No electron import, so it is tested against a real core.
import type { Project } from '../../shared/contract.ts';
import type { WireEndpoint } from '../wire/index.ts';

export const revealTimings = {
  /** Pause before subscribing again when the core could not be reached (its owner is changing). */
  retryMs: 500,
} as const;

export function followRevealRequests(endpoint: Pick<WireEndpoint, 'api'>, onReveal: (project: Project) => void, log: (line: string) => void = () => {}): () => void {
  let isStopped = false;
  let unsubscribe: () => void = () => {};
  let retry: ReturnType<typeof setTimeout> | undefined;

  async function follow(afterSeq: number): Promise<void> {
    if (isStopped) return;
    const { result, unsubscribe: stop } = await endpoint.api.subscribe({ afterSeq }, (message) => {
      if (message.kind === 'resync') {
        // The owner of the data folder changed: follow whoever has it now, from where it stands.
        stop();
        void follow(message.lastSeq);
        return;
      }
      if (message.event.type === 'workspace.project.revealed') onReveal(message.event.project);
    });
    if (isStopped) return stop();
    if (!result.ok) {
      log(`cannot follow reveal requests: ${result.error.message}`);
      retry = setTimeout(() => void follow(0), revealTimings.retryMs);
      return;
    }
    unsubscribe = stop;
  }

  void follow(0);
  return () => {
    isStopped = true;
    if (retry) clearTimeout(retry);
    unsubscribe();
  };
}
