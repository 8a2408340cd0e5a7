// The file system an agent sees through ACP `fs/read_text_file` and `fs/write_text_file`:
// the working directory and nothing else. Every path is resolved to its real location before
// use, the real location is what gets opened (never the agent's string), the final component
// is opened with O_NOFOLLOW, and on Linux the opened descriptor's own path is checked again,
// so a symlink swapped in between the check and the open cannot lead outside.
// This confines what the agent asks *us* to do; it is not a sandbox for the agent's own
// process, which can run anything through a terminal.
import { constants, realpathSync } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export type FsFailureKind = 'outside-workspace' | 'not-found' | 'not-a-file' | 'too-large' | 'io';

/** Why a read or write was not done; `message` is meant for the agent (and the log). */
export interface FsFailure {
  readonly kind: FsFailureKind;
  readonly message: string;
}

export type FsResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FsFailure };

/** Text files of one working directory, for an agent. */
export interface WorkspaceFs {
  /** Real path of the working directory. */
  readonly root: string;
  /** `line` is 1-based; `limit` counts lines. Line endings are kept as they are in the file. */
  readTextFile(path: string, options?: { line?: number | null; limit?: number | null }): Promise<FsResult<string>>;
  /** Replaces the file's content; creates the file and missing parent folders inside the root. */
  writeTextFile(path: string, content: string): Promise<FsResult<void>>;
}

export const workspaceFsLimits = {
  /**
   * Largest read served. Agents read source files, which are far smaller; a bigger file is a
   * log or a build artefact that would flood the model's context and our memory for nothing.
   * A ranged read (line/limit) may still reach into a bigger file as long as the bytes up to
   * its last line fit.
   */
  maxReadBytes: 10 * 1024 * 1024,
  /** Read size per call: large enough for few syscalls, small enough to stop early on ranged reads. */
  readChunkBytes: 64 * 1024,
} as const;

const FILE_MODE = 0o666; // narrowed by the umask, as every editor does

export function createWorkspaceFs(root: string, options: { log?: (line: string) => void; maxReadBytes?: number } = {}): WorkspaceFs {
  const realRoot = realRootOf(root);
  const maxReadBytes = options.maxReadBytes ?? workspaceFsLimits.maxReadBytes;

  function refuse(action: 'read' | 'write', path: string, reason: string): FsResult<never> {
    options.log?.(`workspace fs: refused ${action} of ${JSON.stringify(path)}: ${reason}`);
    return failure('outside-workspace', `${path} is outside the workspace ${realRoot} (${reason}).`);
  }

  return {
    root: realRoot,

    async readTextFile(path, range = {}) {
      const located = await locate(realRoot, path);
      if (!located.ok) return 'refusal' in located ? refuse('read', path, located.refusal) : { ok: false, error: located.failed };
      if (located.missing.length > 0) return failure('not-found', `${path} does not exist.`);
      let handle: FileHandle;
      try {
        // O_NONBLOCK so a FIFO in the tree cannot hang the read waiting for a writer.
        handle = await open(located.realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (error) {
        return openFailure('read', path, error, refuse);
      }
      try {
        const escape = await escapedVia(handle, realRoot);
        if (escape) return refuse('read', path, escape);
        if (!(await handle.stat()).isFile()) return failure('not-a-file', `${path} is not a regular file.`);
        return await readRange(handle, path, range, maxReadBytes);
      } catch (error) {
        return ioFailure(path, error);
      } finally {
        await handle.close();
      }
    },

    async writeTextFile(path, content) {
      const located = await locate(realRoot, path);
      if (!located.ok) return 'refusal' in located ? refuse('write', path, located.refusal) : { ok: false, error: located.failed };
      const created = await createParents(located.realPath, located.missing);
      if (!created.ok) return 'refusal' in created ? refuse('write', path, created.refusal) : { ok: false, error: created.failed };
      let handle: FileHandle;
      try {
        // No O_TRUNC: the content is only replaced once the descriptor is proven to be inside.
        handle = await open(located.realPath, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, FILE_MODE);
      } catch (error) {
        return openFailure('write', path, error, refuse);
      }
      try {
        const escape = await escapedVia(handle, realRoot);
        if (escape) return refuse('write', path, escape);
        if (!(await handle.stat()).isFile()) return failure('not-a-file', `${path} is not a regular file.`);
        await handle.truncate(0);
        await handle.writeFile(content, 'utf8');
        return { ok: true, value: undefined };
      } catch (error) {
        return ioFailure(path, error);
      } finally {
        await handle.close();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Locating a path

/** A real location, or why there is none: a refusal (logged) or an ordinary failure. */
type Located =
  | { readonly ok: true; readonly realPath: string; readonly missing: readonly string[] }
  | { readonly ok: false; readonly refusal: string }
  | { readonly ok: false; readonly failed: FsFailure };

/**
 * The real location `path` names: the real path of its deepest existing ancestor (symlinks
 * resolved) joined with the components that do not exist yet. `..` is resolved lexically
 * first, and whatever it yields must still really be inside the root.
 */
async function locate(realRoot: string, path: string): Promise<Located> {
  if (path.includes('\0')) return { ok: false, refusal: 'the path contains a NUL byte' };
  if (path.length === 0) return { ok: false, failed: { kind: 'not-a-file', message: 'The path is empty.' } };
  const lexical = isAbsolute(path) ? resolve(path) : resolve(realRoot, path);
  const missing: string[] = [];
  let existing = lexical;
  for (;;) {
    const found = await entryExists(existing);
    if (found === 'error') return { ok: false, failed: { kind: 'io', message: `${path} cannot be inspected.` } };
    if (found === 'yes') break;
    const parent = dirname(existing);
    if (parent === existing) break; // the file-system root always exists; this is a safety stop
    missing.unshift(basename(existing));
    existing = parent;
  }
  let realExisting: string;
  try {
    realExisting = await realpath(existing);
  } catch {
    // lstat saw an entry that realpath cannot follow: a dangling symlink (or a loop). Its
    // target may be created outside later, so it is never written through or read.
    return { ok: false, refusal: `${existing} is a symlink that leads nowhere` };
  }
  if (!isInside(realRoot, realExisting)) return { ok: false, refusal: `it resolves to ${realExisting}` };
  return { ok: true, realPath: missing.length > 0 ? join(realExisting, ...missing) : realExisting, missing };
}

async function entryExists(path: string): Promise<'yes' | 'no' | 'error'> {
  try {
    await lstat(path);
    return 'yes';
  } catch (error) {
    const code = errorCode(error);
    // ENOTDIR: a component is a file; the deepest existing ancestor is that file, and the
    // open below reports it as not-a-file.
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'no' : 'error';
  }
}

/** Creates the missing parent folders one at a time, each checked to be really inside. */
async function createParents(realPath: string, missing: readonly string[]): Promise<Located> {
  let folder = dirname(realPath);
  const folders: string[] = [];
  for (let index = missing.length - 2; index >= 0; index -= 1) {
    folders.unshift(folder);
    folder = dirname(folder);
  }
  for (const each of folders) {
    try {
      // Not recursive: mkdir never follows a symlink at its final component, so a link planted
      // since `locate` makes this fail (EEXIST) instead of creating through it.
      await mkdir(each);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOTDIR') return { ok: false, failed: { kind: 'not-a-file', message: `A parent of ${realPath} is a file, not a folder.` } };
      if (code !== 'EEXIST') return { ok: false, failed: { kind: 'io', message: describe(realPath, error) } };
    }
    let real: string;
    try {
      real = await realpath(each);
    } catch {
      return { ok: false, refusal: `${each} changed while it was being created` };
    }
    if (real !== each) return { ok: false, refusal: `${each} became a link to ${real}` };
  }
  return { ok: true, realPath, missing };
}

/**
 * Where the opened descriptor really is, per /proc (Linux). Catches a parent folder swapped for
 * a symlink after `locate`; O_NOFOLLOW only guards the last component. Elsewhere /proc is
 * absent and the check before the open is all there is.
 */
async function escapedVia(handle: FileHandle, realRoot: string): Promise<string | null> {
  let opened: string;
  try {
    opened = await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return null; // no /proc here: nothing more to check
  }
  const path = opened.endsWith(' (deleted)') ? opened.slice(0, -' (deleted)'.length) : opened;
  return isInside(realRoot, path) ? null : `it was opened at ${path}`;
}

function isInside(realRoot: string, realPath: string): boolean {
  const rel = relative(realRoot, realPath);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

function realRootOf(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    // A missing root confines to nothing that exists; every call then answers not-found or
    // refuses, which is the right answer for an agent whose worktree is gone.
    return resolve(root);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads lines [line, line + limit) without reading further than needed, within `maxBytes`. */
async function readRange(
  handle: FileHandle,
  path: string,
  range: { line?: number | null; limit?: number | null },
  maxBytes: number,
): Promise<FsResult<string>> {
  const firstLine = Math.max(1, Math.floor(range.line ?? 1));
  const limit = range.limit === null || range.limit === undefined ? null : Math.max(0, Math.floor(range.limit));
  if (limit === 0) return { ok: true, value: '' };
  // Newlines needed before the range is complete; null reads to the end.
  const newlinesNeeded = limit === null ? null : firstLine - 1 + limit;
  const chunks: Buffer[] = [];
  let total = 0;
  let newlines = 0;
  for (;;) {
    // Never past maxBytes + 1: one byte over is enough to know the range does not fit.
    const chunk = Buffer.allocUnsafe(Math.min(workspaceFsLimits.readChunkBytes, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    const data = chunk.subarray(0, bytesRead);
    chunks.push(data);
    total += bytesRead;
    if (newlinesNeeded !== null) {
      newlines += countNewlines(data);
      if (newlines >= newlinesNeeded) break;
    }
    if (total > maxBytes) return failure('too-large', `${path} is larger than ${maxBytes} bytes; read it in smaller ranges (line/limit).`);
  }
  const text = Buffer.concat(chunks, total).toString('utf8');
  if (firstLine === 1 && limit === null) return { ok: true, value: text };
  const lines = text.split(/(?<=\n)/);
  return { ok: true, value: lines.slice(firstLine - 1, limit === null ? undefined : firstLine - 1 + limit).join('') };
}

function countNewlines(data: Buffer): number {
  let count = 0;
  // 0x0A never occurs inside a multi-byte UTF-8 sequence, so counting bytes counts lines.
  for (let index = data.indexOf(0x0a); index !== -1; index = data.indexOf(0x0a, index + 1)) count += 1;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Failures

function failure(kind: FsFailureKind, message: string): FsResult<never> {
  return { ok: false, error: { kind, message } };
}

function openFailure(
  action: 'read' | 'write',
  path: string,
  error: unknown,
  refuse: (action: 'read' | 'write', path: string, reason: string) => FsResult<never>,
): FsResult<never> {
  switch (errorCode(error)) {
    case 'ELOOP':
      return refuse(action, path, 'its last component became a symlink');
    case 'ENOENT':
    case 'ENOTDIR':
      return action === 'read' ? failure('not-found', `${path} does not exist.`) : failure('not-a-file', `A parent of ${path} is not a folder.`);
    case 'EISDIR':
      return failure('not-a-file', `${path} is a folder, not a file.`);
    case 'ENXIO': // a FIFO with no reader, opened O_NONBLOCK for writing
      return failure('not-a-file', `${path} is not a regular file.`);
    default:
      return ioFailure(path, error);
  }
}

function ioFailure(path: string, error: unknown): FsResult<never> {
  return failure('io', describe(path, error));
}

function describe(path: string, error: unknown): string {
  return `${path}: ${error instanceof Error ? error.message : String(error)}`;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
