// The agent's stdio as the web streams the ACP connection reads and writes. Node's own adapters
// (`Writable.toWeb`, `Readable.toWeb`) pass each message through several promise hops of their
// own before it reaches the pipe; on a warm turn, those hops were a measurable part of the time
// from sending a prompt to the first update. These hand each chunk straight to the pipe and keep
// its flow control: a write waits for 'drain' when the pipe is full, and reading pauses while
// the connection has not taken what it was given. The connection's own messages skip the byte
// stream altogether: each is written to the pipe as one line of JSON the moment it is sent.
import type { AnyMessage } from '@agentclientprotocol/sdk/unstable';
import type { Readable, Writable } from 'node:stream';

/** Chunks written go to `pipe` as they come; a full pipe makes the writer wait for it to drain. */
export function pipeWriter(pipe: Writable): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>(pipeSink(pipe, (chunk) => chunk));
}

/**
 * Messages written go to `pipe` as newline-delimited JSON, one line per message, as the SDK's
 * `ndJsonStream` writes them, without its byte stream in between.
 */
export function messageWriter(pipe: Writable): WritableStream<AnyMessage> {
  return new WritableStream<AnyMessage>(pipeSink(pipe, (message) => `${JSON.stringify(message)}\n`));
}

function pipeSink<T>(pipe: Writable, encode: (chunk: T) => Uint8Array | string): UnderlyingSink<T> {
  return {
    write(chunk) {
      if (pipe.destroyed || pipe.writableEnded) throw new Error('The pipe is closed.');
      if (pipe.write(encode(chunk))) return undefined;
      return new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          pipe.off('drain', onDrain);
          pipe.off('close', onClose);
          if (error) reject(error);
          else resolve();
        };
        const onDrain = () => settle();
        const onClose = () => settle(new Error('The pipe closed before it took the message.'));
        pipe.on('drain', onDrain);
        pipe.on('close', onClose);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (pipe.destroyed || pipe.writableFinished) resolve();
        else pipe.end(() => resolve());
      });
    },
    abort() {
      pipe.destroy();
    },
  };
}

/** What `pipe` reads, chunk by chunk, until it ends; `pipe` is paused while the reader is behind. */
export function pipeReader(pipe: Readable): ReadableStream<Uint8Array> {
  let isDone = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const finish = (error?: Error) => {
          if (isDone) return;
          isDone = true;
          pipe.off('data', onData);
          if (error) controller.error(error);
          else controller.close();
        };
        const onData = (chunk: Buffer) => {
          if (isDone) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) pipe.pause();
        };
        pipe.on('data', onData);
        pipe.once('end', () => finish());
        pipe.once('close', () => finish());
        pipe.once('error', (error) => finish(error));
      },
      pull() {
        if (!isDone && pipe.isPaused()) pipe.resume();
      },
      cancel() {
        isDone = true;
        pipe.destroy();
      },
    },
    // A few chunks ahead, as a pipe's own buffer holds; the reader takes them one line at a time.
    { highWaterMark: 4 },
  );
}
