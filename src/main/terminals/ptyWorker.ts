// The worker thread that reads every terminal's pty (see ptyHost.ts). It only reads, writes and
// hands output over: nothing else on its thread keeps a shell waiting on a full pty. Output read
// close together leaves as one message; the first after a quiet spell leaves at once.
import { spawn, type IPty } from 'node-pty';
import { parentPort, workerData } from 'node:worker_threads';
import { createCoalescer, type Coalescer } from './coalescer.ts';
import { ptyWorkerLimits, type PtyAnswer, type PtyEvent, type PtyRequest, type PtyWorkerData } from './ptyHost.ts';

const port = parentPort;
if (!port) throw new Error('ptyWorker.ts runs as a worker thread');
const { signal, answers } = workerData as PtyWorkerData;
const flag = new Int32Array(signal);

interface Reading {
  readonly pty: IPty;
  readonly output: Coalescer;
  /** Sent and not yet taken by the core's thread. */
  inFlight: number;
  /** The core asked for a pause (flow control). */
  isHeld: boolean;
  isPaused: boolean;
}

const ptys = new Map<number, Reading>();
const send = (event: PtyEvent) => port.postMessage(event);

/** The core waits on `flag` for this: the answer is on the port before the flag is raised. */
function answer(reply: PtyAnswer): void {
  answers.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

port.on('message', (request: PtyRequest) => {
  if (request.type === 'spawn') {
    start(request);
    return;
  }
  const reading = ptys.get(request.id);
  switch (request.type) {
    case 'write':
      reading?.pty.write(request.data);
      return;
    case 'resize':
      reading?.pty.resize(request.cols, request.rows);
      return;
    case 'pause':
    case 'resume':
      if (!reading) return;
      reading.isHeld = request.type === 'pause';
      updatePause(reading);
      return;
    case 'took':
      if (!reading) return;
      reading.inFlight -= request.chars;
      updatePause(reading);
      return;
    case 'process':
      answer({ type: 'process', name: reading?.pty.process ?? '' });
      return;
    default:
      return assertNever(request);
  }
});

function start(request: Extract<PtyRequest, { type: 'spawn' }>): void {
  let pty: IPty;
  try {
    pty = spawn(request.file, [...request.args], request.options);
  } catch (error) {
    answer({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const output = createCoalescer({ windowMs: ptyWorkerLimits.coalesceMs, maxChars: ptyWorkerLimits.maxPieceChars, emit: (data) => hand(request.id, reading, data) });
  const reading: Reading = { pty, output, inFlight: 0, isHeld: false, isPaused: false };
  ptys.set(request.id, reading);
  pty.onData((data) => output.push(data));
  pty.onExit(({ exitCode, signal: exitSignal }) => {
    output.flush();
    ptys.delete(request.id);
    send({ type: 'exit', id: request.id, exitCode, signal: exitSignal });
  });
  answer({ type: 'spawned', pid: pty.pid });
}

function hand(id: number, reading: Reading, data: string): void {
  reading.inFlight += data.length;
  send({ type: 'data', id, data });
  updatePause(reading);
}

/**
 * Reads while the core wants output and has taken what was sent: a core's thread that is busy
 * for a while gets at most `maxInFlightChars` queued for it, and the shell waits for it as it
 * would for a slow view.
 */
function updatePause(reading: Reading): void {
  const shouldPause = reading.isHeld || reading.inFlight >= ptyWorkerLimits.maxInFlightChars;
  if (shouldPause === reading.isPaused) return;
  reading.isPaused = shouldPause;
  if (shouldPause) reading.pty.pause();
  else reading.pty.resume();
}

function assertNever(value: never): never {
  throw new Error(`Unknown pty request ${JSON.stringify(value)}`);
}
