// Where the core's ptys are read: on a worker thread of their own (ptyWorker.ts), as VS Code's
// pty host keeps them out of its window. A pty's kernel buffer holds only ~4 KB, so a shell
// writes only as fast as its pty is drained; on the core's thread, every JSON reply, socket
// write, database commit or garbage collection there would leave each busy shell blocked. The
// worker does nothing but read, and hands the output over in pieces of a few ms. Starting a
// shell stays synchronous (the core waits for the worker's answer), so the pid is known at
// once. Loading node-pty in the worker takes ~100 ms, so the core starts it as soon as terminals
// are in sight (a view attaches, terminals were restored); a core that never shows one never
// starts it. When the worker's file cannot be found, the ptys are read on the core's thread.
import { spawn as spawnPty, type IPty } from 'node-pty';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { workerFile } from './workerFile.ts';

export const ptyWorkerLimits = {
  /**
   * Output read close together leaves the worker as one message: under a flood ~4 KB arrive
   * every few hundred µs, and one message per read would cost the core's thread more than the
   * reads cost the worker. The first output after a quiet spell leaves at once (an echo).
   */
  coalesceMs: 2,
  /** A piece this large leaves at once. */
  maxPieceChars: 64 * 1024,
  /**
   * Output handed to the core's thread and not yet taken, past which the worker stops reading
   * (the shell then waits, as for a slow view): a busy core's thread never has more than this
   * queued for it. ~13 ms of a full pty here; the core's thread takes a piece within a ms or
   * two unless it is busy.
   */
  maxInFlightChars: 256 * 1024,
  /** How long starting a shell may wait for the worker (its first start loads node-pty). */
  answerWaitMs: 10_000,
  /** Short-lived strings at the output's rate: a small young generation is scavenged cheaply. */
  maxYoungGenerationSizeMb: 8,
} as const;

export interface PtyOptions {
  readonly name: string;
  readonly cols: number;
  readonly rows: number;
  readonly cwd: string;
  readonly env: Record<string, string>;
}

export interface PtyExit {
  readonly exitCode: number;
  readonly signal?: number | undefined;
}

/** A shell's pty, wherever it is read. */
export interface Pty {
  readonly pid: number;
  /** The name of the pty's foreground process (node-pty's; used where /proc is not). */
  readonly process: string;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Stops reading: the shell blocks once the pty's buffer is full. */
  pause(): void;
  resume(): void;
  onData(listener: (data: string) => void): void;
  onExit(listener: (exit: PtyExit) => void): void;
}

export interface PtyHost {
  /** Starts a program on a new pty; throws as node-pty does when it cannot. */
  spawn(file: string, args: readonly string[], options: PtyOptions): Pty;
  /** Gets the reader ready without waiting for it, so that the next shell does not wait either. */
  warmUp(): void;
  /** The reader is ready for a shell: started, or not needed (read on the core's thread). */
  isWarm(): boolean;
  /** True when the ptys are read on a worker thread. */
  readonly isThreaded: boolean;
  dispose(): Promise<void>;
}

export type PtyRequest =
  | { readonly type: 'spawn'; readonly id: number; readonly file: string; readonly args: readonly string[]; readonly options: PtyOptions }
  | { readonly type: 'write'; readonly id: number; readonly data: string }
  | { readonly type: 'resize'; readonly id: number; readonly cols: number; readonly rows: number }
  | { readonly type: 'pause'; readonly id: number }
  | { readonly type: 'resume'; readonly id: number }
  /** The core's thread took this much of the output sent. */
  | { readonly type: 'took'; readonly id: number; readonly chars: number }
  | { readonly type: 'process'; readonly id: number };

/** Answers to `spawn` and `process`, on the port the core reads synchronously. */
export type PtyAnswer = { readonly type: 'spawned'; readonly pid: number } | { readonly type: 'failed'; readonly message: string } | { readonly type: 'process'; readonly name: string };

export type PtyEvent = { readonly type: 'data'; readonly id: number; readonly data: string } | { readonly type: 'exit'; readonly id: number; readonly exitCode: number; readonly signal: number | undefined };

export interface PtyWorkerData {
  /** One Int32: set to 1 by the worker when an answer is on `answers`. */
  readonly signal: SharedArrayBuffer;
  readonly answers: MessagePort;
}

export function createPtyHost(options: { log: (line: string) => void; isThreaded?: boolean }): PtyHost {
  const file = options.isThreaded === false ? undefined : workerFile('ptyWorker');
  if (!file) {
    if (options.isThreaded !== false) options.log("terminal ptys are read on the core's thread: the pty worker's file was not found");
    return inThreadHost();
  }
  return threadedHost(file, options.log);
}

function threadedHost(file: URL, log: (line: string) => void): PtyHost {
  interface Running {
    readonly worker: Worker;
    readonly answers: MessagePort;
    readonly flag: Int32Array;
  }
  interface Live {
    readonly owner: Running;
    readonly dataListeners: ((data: string) => void)[];
    readonly exitListeners: ((exit: PtyExit) => void)[];
  }
  const live = new Map<number, Live>();
  let nextId = 1;
  let isDisposed = false;
  // Started when terminals are in sight (warmUp), or by the first shell, which then waits for it.
  let running: Running | undefined;

  function start(): Running {
    const signal = new SharedArrayBuffer(4);
    const channel = new MessageChannel();
    const worker = new Worker(file, {
      workerData: { signal, answers: channel.port2 } satisfies PtyWorkerData,
      transferList: [channel.port2],
      resourceLimits: { maxYoungGenerationSizeMb: ptyWorkerLimits.maxYoungGenerationSizeMb },
    });
    // Kept running by the ptys it reads, as the core's thread was by them (refreshRef).
    worker.unref();
    const started: Running = { worker, answers: channel.port1, flag: new Int32Array(signal) };
    worker.on('message', (event: PtyEvent) => {
      const pty = live.get(event.id);
      if (!pty) return;
      if (event.type === 'data') {
        for (const listener of pty.dataListeners) listener(event.data);
        post(pty.owner, { type: 'took', id: event.id, chars: event.data.length });
        return;
      }
      live.delete(event.id);
      refreshRef();
      for (const listener of pty.exitListeners) listener({ exitCode: event.exitCode, signal: event.signal });
    });
    worker.on('error', (error) => log(`the terminal pty worker failed: ${error.stack ?? error.message}`));
    worker.on('exit', (code) => {
      if (running === started) running = undefined;
      started.answers.close();
      if (isDisposed) return;
      // Its ptys were closed with it: their shells got a hang-up. They end here as they would
      // have (the next shell starts a new worker).
      log(`the terminal pty worker exited (code ${code}); its shells were hung up`);
      for (const [id, pty] of live) {
        if (pty.owner !== started) continue;
        live.delete(id);
        for (const listener of pty.exitListeners) listener({ exitCode: 0, signal: 1 });
      }
    });
    return started;
  }

  function post(owner: Running, request: PtyRequest): void {
    if (!isDisposed && running === owner) owner.worker.postMessage(request);
  }

  function refreshRef(): void {
    if (!running) return;
    if (live.size > 0) running.worker.ref();
    else running.worker.unref();
  }

  /** A request the worker answers; the core's thread waits for the answer. */
  function ask(request: PtyRequest): PtyAnswer | undefined {
    const { worker, answers, flag } = (running ??= start());
    Atomics.store(flag, 0, 0);
    worker.postMessage(request);
    if (Atomics.wait(flag, 0, 0, ptyWorkerLimits.answerWaitMs) === 'timed-out') {
      // A late answer would be taken for the next request's: this worker is done.
      log(`the terminal pty worker did not answer within ${ptyWorkerLimits.answerWaitMs} ms; it is stopped`);
      running = undefined;
      void worker.terminate();
      return undefined;
    }
    return receiveMessageOnPort(answers)?.message as PtyAnswer | undefined;
  }


  return {
    isThreaded: true,
    warmUp() {
      if (!isDisposed) running ??= start();
    },
    isWarm: () => running !== undefined,
    spawn(spawnFile, args, spawnOptions) {
      if (isDisposed) throw new Error('the terminals are shutting down');
      const id = nextId++;
      const answer = ask({ type: 'spawn', id, file: spawnFile, args, options: spawnOptions });
      if (!answer) throw new Error('the pty worker did not answer');
      if (answer.type === 'failed') throw new Error(answer.message);
      if (answer.type !== 'spawned') throw new Error(`unexpected answer from the pty worker: ${answer.type}`);
      const owner = running;
      if (!owner) throw new Error('the pty worker stopped');
      const pty: Live = { owner, dataListeners: [], exitListeners: [] };
      live.set(id, pty);
      refreshRef();
      return {
        pid: answer.pid,
        get process() {
          const reply = live.has(id) && running === owner ? ask({ type: 'process', id }) : undefined;
          return reply?.type === 'process' ? reply.name : '';
        },
        write: (data) => post(owner, { type: 'write', id, data }),
        resize: (cols, rows) => post(owner, { type: 'resize', id, cols, rows }),
        pause: () => post(owner, { type: 'pause', id }),
        resume: () => post(owner, { type: 'resume', id }),
        onData: (listener) => pty.dataListeners.push(listener),
        onExit: (listener) => pty.exitListeners.push(listener),
      };
    },
    async dispose() {
      if (isDisposed) return;
      isDisposed = true;
      live.clear();
      await running?.worker.terminate();
    },
  };
}

function inThreadHost(): PtyHost {
  return {
    isThreaded: false,
    warmUp: () => {},
    isWarm: () => true,
    spawn(file, args, options) {
      const pty: IPty = spawnPty(file, [...args], options);
      return {
        pid: pty.pid,
        get process() {
          return pty.process;
        },
        write: (data) => pty.write(data),
        resize: (cols, rows) => pty.resize(cols, rows),
        pause: () => pty.pause(),
        resume: () => pty.resume(),
        onData: (listener) => void pty.onData(listener),
        onExit: (listener) => void pty.onExit(listener),
      };
    },
    dispose: async () => {},
  };
}
