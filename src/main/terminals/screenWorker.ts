// The worker thread that keeps every terminal's headless screen. Parsing output costs more than
// reading it (~20 MB/s against a pty's ~15), and a pty's kernel buffer holds only a few KB: on
// the core's own thread, each slice of parsing would leave the shell blocked on a full buffer.
// Messages follow the order they were posted in, so a snapshot covers every write before it.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { createScreen, type Screen } from './screen.ts';
import { screenWorkerLimits, type ScreenReply, type ScreenRequest } from './screenHost.ts';

const port = parentPort;
if (!port) throw new Error('screenWorker.ts runs as a worker thread');
lowerOwnPriority(screenWorkerLimits.niceness);

const screens = new Map<string, Screen>();
const post = (reply: ScreenReply) => port.postMessage(reply);

port.on('message', (request: ScreenRequest) => {
  switch (request.type) {
    case 'open': {
      const screen = createScreen(request.options);
      let isReportQueued = false;
      screen.onParsed(() => {
        // xterm parses a slice of writes in one go: one report per slice is plenty, the core
        // only compares it with its watermarks.
        if (isReportQueued) return;
        isReportQueued = true;
        queueMicrotask(() => {
          isReportQueued = false;
          post({ type: 'parsed', id: request.id, offset: screen.parsedOffset() });
        });
      });
      screen.onTitle((title) => post({ type: 'title', id: request.id, title }));
      screens.set(request.id, screen);
      return;
    }
    case 'write':
      screens.get(request.id)?.write(request.data);
      return;
    case 'resize':
      screens.get(request.id)?.resize(request.cols, request.rows);
      return;
    case 'snapshot': {
      const screen = screens.get(request.id);
      if (!screen) {
        post({ type: 'snapshot', requestId: request.requestId, snapshot: undefined });
        return;
      }
      if (!request.whenParsed) {
        post({ type: 'snapshot', requestId: request.requestId, snapshot: screen.snapshot() });
        return;
      }
      void screen.parsedSnapshot({ isParsedOnly: request.isParsedOnly, isViewportOnly: request.isViewportOnly }).then((snapshot) => post({ type: 'snapshot', requestId: request.requestId, snapshot }));
      return;
    }
    case 'close':
      screens.get(request.id)?.dispose();
      screens.delete(request.id);
      return;
    default:
      return assertNever(request);
  }
});

/**
 * Lowers this thread's priority, not the process's: on Linux a thread's id is a process id to
 * setpriority(2). Elsewhere (no /proc/thread-self) the thread keeps its priority.
 */
function lowerOwnPriority(niceness: number): void {
  if (niceness <= 0) return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    // Never raised: a core that already runs niced keeps its worker at least as low.
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, Math.max(getPriority(threadId), niceness));
  } catch {
    // No /proc, or not allowed: the screens are kept all the same.
  }
}

function assertNever(value: never): never {
  throw new Error(`Unknown screen request ${JSON.stringify(value)}`);
}
