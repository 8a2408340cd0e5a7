// One owner per data folder. The first core to open a folder takes an exclusive OS lock on
// `owner.lock` for its whole life and listens on a control socket beside it that speaks the
// wire protocol of `serve`; every later process on that folder (the CLI, a second `serve`, the
// desktop app) talks to the owner through that socket instead of opening the database itself.
// The lock is SQLite's own file lock (fcntl on POSIX, LockFileEx on Windows): the kernel drops it
// when the owner dies, however it dies, so a stale lock cannot outlive its process.
import Database from 'better-sqlite3';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { fail, ok, type BooApi, type Result, type SubscribeResult } from '../../shared/contract.ts';
import { createWireClient } from '../../shared/wireClient.ts';
import { processStartIdentity } from '../agents/index.ts';
import { createLineReader, createWireSession, wireLimits, type WireEndpoint } from '../wire/index.ts';

export const ownerTimings = {
  /** A client that has not said hello by then is dropped: a real client says it at once. */
  helloTimeoutMs: 5_000,
  /** How long a client waits for the owner's answer to its hello before trying again. */
  connectTimeoutMs: 5_000,
} as const;

export const ownerLimits = {
  /** Largest control-socket message; the WebSocket of `serve` accepts as much. */
  maxMessageBytes: 16 * 1024 * 1024,
  /** Bytes queued to a slow client before its requests wait and its events are dropped (`resync`). */
  maxBufferedBytes: wireLimits.maxBufferedBytes,
  /** Unix socket paths are limited to 104 bytes on macOS (108 on Linux). */
  maxSocketPathBytes: 100,
} as const;

/** Who owns a data folder: written by the owner (0600) once its control socket listens. */
export const OwnerRecordSchema = z.object({
  pid: z.number().int().positive(),
  /** The owner's process start identity, so a reused pid is never mistaken for the owner. */
  startIdentity: z.string().nullable(),
  /** What kind of process owns it: the desktop app, `boocode serve`, or a `boocode` command. */
  kind: z.enum(['app', 'serve', 'cli']),
  /** For people: "boocode run", "BooCode desktop app"… */
  label: z.string(),
  socketPath: z.string(),
  /** Clients prove they may read the folder by presenting this. */
  token: z.string(),
  startedAt: z.string(),
});
export type OwnerRecord = z.infer<typeof OwnerRecordSchema>;
export type OwnerKind = OwnerRecord['kind'];

/** The process that owns this data folder (kept in a form safe to show: no token). */
export type OwnerInfo = Omit<OwnerRecord, 'token'>;

export interface OwnerLock {
  readonly dataDir: string;
  /** Releases the lock; the next process to claim the folder becomes its owner. */
  release(): void;
}

const LOCK_FILE = 'owner.lock';
const RECORD_FILE = 'owner.json';

/** Raised when a core is asked to open a data folder that another live process owns. */
export class DataDirOwnedError extends Error {
  readonly kind = 'data-dir-owned' as const;
  readonly owner: OwnerInfo | undefined;
  constructor(dataDir: string, owner: OwnerInfo | undefined) {
    super(`${dataDir} is in use by ${owner ? describeOwner(owner) : 'another BooCode process'}.`);
    this.owner = owner;
  }
}

export function describeOwner(owner: OwnerInfo): string {
  return `${owner.label} (pid ${owner.pid})`;
}

/** Takes the folder's lock, or returns undefined when another live process holds it. */
export function claimDataDir(dataDir: string): OwnerLock | undefined {
  mkdirSync(dataDir, { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
    // An exclusive transaction that is never committed: the lock lives as long as the connection.
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db?.close();
    if (isBusy(error)) return undefined;
    throw error;
  }
  const held = db;
  return {
    dataDir,
    release() {
      if (held.open) held.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Where the owner of `dataDir` listens: in the folder, unless that path is too long for a socket. */
export function controlSocketPath(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  if (platform === 'win32') return `\\\\.\\pipe\\boocode-${hash}`;
  const inFolder = join(dataDir, 'control.sock');
  if (Buffer.byteLength(inFolder) <= ownerLimits.maxSocketPathBytes) return inFolder;
  return join(tmpdir(), `boocode-${hash}.sock`);
}

export function readOwnerRecord(dataDir: string): OwnerRecord | undefined {
  try {
    const parsed = OwnerRecordSchema.safeParse(JSON.parse(readFileSync(join(dataDir, RECORD_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not written yet, or being replaced: the caller tries again
  }
}

/** Only what is safe to show or log about an owner. */
export function ownerInfo(record: OwnerRecord): OwnerInfo {
  const { token: _token, ...info } = record;
  return info;
}

/** Is the recorded owner still the process that wrote the record? */
export function isOwnerAlive(owner: Pick<OwnerInfo, 'pid' | 'startIdentity'>): boolean {
  const identity = processStartIdentity(owner.pid);
  return identity !== undefined && (owner.startIdentity === null || identity === owner.startIdentity);
}

/** This process, as the owner of a data folder, in the form recorded on running turns. */
export function ownerIdentity(): string {
  return `${process.pid}:${processStartIdentity(process.pid) ?? 'unknown'}`;
}

/** Whether the process named by an identity from ownerIdentity() still runs. */
export function isIdentityAlive(identity: string): boolean {
  const [pid, start] = identity.split(':');
  const number = Number(pid);
  if (!Number.isInteger(number) || number <= 0) return false;
  return isOwnerAlive({ pid: number, startIdentity: start === undefined || start === 'unknown' ? null : start });
}

export interface ControlServer {
  readonly socketPath: string;
  readonly record: OwnerRecord;
  /** Connected clients right now. */
  clientCount(): number;
  close(): Promise<void>;
}

/**
 * Listens on the folder's control socket and records this process as its owner. Call only while
 * holding the folder's lock: a socket file found there belongs to a dead owner and is replaced.
 */
export async function startControlServer(
  endpoint: WireEndpoint,
  options: { dataDir: string; kind: OwnerKind; label: string; log?: (line: string) => void },
): Promise<Result<ControlServer>> {
  const log = options.log ?? (() => {});
  const socketPath = controlSocketPath(options.dataDir);
  const token = randomBytes(24).toString('base64url');
  const sockets = new Set<Socket>();
  if (process.platform !== 'win32') rmSync(socketPath, { force: true });

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveClient(socket, endpoint, token, log);
  });
  const listening = await new Promise<Result<void>>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(fail('internal', `Cannot listen on ${socketPath}: ${error.code ?? error.message}.`)));
    server.listen(socketPath, () => resolve(ok(undefined)));
  });
  if (!listening.ok) return listening;
  // Only this user may connect; the token in the 0600 record is a second check where a
  // platform ignores socket permissions.
  if (process.platform !== 'win32') chmodSync(socketPath, 0o600);

  const record: OwnerRecord = {
    pid: process.pid,
    startIdentity: processStartIdentity(process.pid) ?? null,
    kind: options.kind,
    label: options.label,
    socketPath,
    token,
    startedAt: new Date().toISOString(),
  };
  writePrivateFile(join(options.dataDir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);

  return ok({
    socketPath,
    record,
    clientCount: () => sockets.size,
    async close() {
      // The record goes first, so that no client reads it and connects to a closing socket.
      const current = readOwnerRecord(options.dataDir);
      if (current?.token === token) rmSync(join(options.dataDir, RECORD_FILE), { force: true });
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

function writePrivateFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

/** One client connection: a hello with the token first, then the wire protocol, line by line. */
function serveClient(socket: Socket, endpoint: WireEndpoint, token: string, log: (line: string) => void): void {
  let isGreeted = false;
  const session = createWireSession(
    endpoint,
    {
      send: (text) => {
        if (!socket.destroyed) socket.write(`${text}\n`);
      },
      bufferedBytes: () => socket.writableLength,
      pauseInput: () => socket.pause(),
      resumeInput: () => socket.resume(),
    },
    { maxBufferedBytes: ownerLimits.maxBufferedBytes, log, isFollowingAllOutput: true },
  );
  const helloTimer = setTimeout(() => socket.destroy(), ownerTimings.helloTimeoutMs);
  helloTimer.unref();
  const reply = (id: unknown, result: Result<unknown>) => socket.write(`${JSON.stringify({ kind: 'response', id: typeof id === 'number' ? id : null, result })}\n`);

  const read = createLineReader(
    (line) => {
      if (isGreeted) {
        void session.receive(line).catch((error: unknown) => log(`control message failed: ${String(error)}`));
        return;
      }
      const hello = HelloSchema.safeParse(safeJson(line));
      if (!hello.success || !sameToken(hello.data.args.token, token)) {
        reply(hello.success ? hello.data.id : null, fail('unauthorized', 'Say control.hello with the token from the owner record first.'));
        socket.end();
        return;
      }
      isGreeted = true;
      clearTimeout(helloTimer);
      reply(hello.data.id, ok({ pid: process.pid }));
    },
    {
      maxLineBytes: ownerLimits.maxMessageBytes,
      onOverflow: () => {
        reply(null, fail('invalid-message', `Messages are limited to ${ownerLimits.maxMessageBytes} bytes.`));
        socket.destroy();
      },
    },
  );
  socket.on('data', read);
  socket.on('error', () => {}); // a client that vanishes mid-write is the normal way for one to leave
  socket.once('close', () => {
    clearTimeout(helloTimer);
    session.close();
  });
}

const HelloSchema = z.object({
  id: z.number().int(),
  method: z.literal('control.hello'),
  args: z.object({ token: z.string().max(256) }),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sameToken(candidate: string, token: string): boolean {
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A connection to the owner's control socket, carrying calls and at most one subscription. */
export interface ControlConnection extends BooApi {
  /** Resolves when the connection ends, for whatever reason. */
  readonly closed: Promise<void>;
  close(): void;
}

/** Connects to the owner named by `record` and says hello. */
export async function connectControl(record: OwnerRecord): Promise<Result<ControlConnection>> {
  const socket = createConnection(record.socketPath);
  const wire = createWireClient((text) => socket.write(`${text}\n`));
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const opened = await new Promise<Result<void>>((resolve) => {
    const timer = setTimeout(() => resolve(fail('internal', `${describeOwner(record)} did not answer.`)), ownerTimings.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(ok(undefined));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(fail(error.code === 'EACCES' ? 'unauthorized' : 'internal', `Cannot reach ${describeOwner(record)}: ${error.code ?? error.message}.`));
    });
  });
  if (!opened.ok) {
    socket.destroy();
    return opened;
  }
  socket.on('data', createLineReader((line) => wire.receive(line), { maxLineBytes: ownerLimits.maxMessageBytes, onOverflow: () => socket.destroy() }));
  socket.on('error', () => {}); // reported through `closed`
  socket.once('close', () => {
    wire.disconnect(`The connection to ${describeOwner(record)} was lost.`);
    markClosed();
  });
  const hello = await wire.request('control.hello', { token: record.token });
  if (!hello.ok) {
    socket.destroy();
    return hello;
  }
  const request = (method: string, args: unknown): Promise<Result<unknown>> => {
    if (socket.destroyed) return Promise.resolve(fail('internal', `The connection to ${describeOwner(record)} was lost.`));
    return wire.request(method, args);
  };
  return ok({
    closed,
    call: (name, args) => request(name, args) as never,
    async subscribe(position, listener) {
      wire.setListener(listener);
      const result = (await request('events.subscribe', position)) as Result<SubscribeResult>;
      return { result, unsubscribe: () => wire.setListener(undefined) };
    },
    close: () => socket.destroy(),
  });
}

