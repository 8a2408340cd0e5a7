// Plain `git` for the plumbing simple-git has no call for: a private index through
// GIT_INDEX_FILE, patches fed on stdin, and exit codes that carry meaning (`git apply --check`).
import { spawn } from 'node:child_process';

export interface GitOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GitOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** stdin; a promise starts git before its input exists, and a rejected one closes stdin empty. */
  readonly input?: string | Buffer | Promise<string | Buffer>;
  /** 'latin1' maps each byte to one character and back, so patches of files in any encoding survive a round trip. */
  readonly encoding?: 'utf8' | 'latin1';
  /** Takes stdout as it arrives, for a caller that works on it as it comes; stdout is then not kept (the result's is empty). */
  readonly onStdout?: (chunk: Buffer) => void;
  /** Ends git (SIGTERM) when aborted; the command then rejects. */
  readonly signal?: AbortSignal;
  /**
   * git runs once this resolves, and not at all if it rejects (the command rejects with its
   * reason). Where there is a POSIX shell, the process is started at once and waits in the
   * shell, which becomes git when told to: starting a process holds this one for milliseconds,
   * more the more memory it has, so the start is paid while the caller waits anyway. Such a
   * command takes no input.
   */
  readonly startOn?: Promise<unknown>;
}

/** A shell that waits for one line on stdin, then becomes the command in its arguments. */
const waitThenRun = ['-c', 'read -r _ || exit 125; exec "$@"', 'sh'];
const hasPosixShell = process.platform !== 'win32';

/** A git command that should not have failed; callers turn it into a 'git-failed' result. */
export class GitCommandError extends Error {
  readonly args: readonly string[];
  readonly stderr: string;
  constructor(args: readonly string[], output: GitOutput) {
    super(`git ${args.slice(0, 3).join(' ')} failed (${output.code}): ${output.stderr.trim().slice(0, 2000)}`);
    this.args = args;
    this.stderr = output.stderr;
  }
}

/** Identity for the commits BooCode writes itself (archives, accepted bases, snapshots). */
export const booIdentity = {
  GIT_AUTHOR_NAME: 'BooCode',
  GIT_AUTHOR_EMAIL: 'boocode@localhost',
  GIT_COMMITTER_NAME: 'BooCode',
  GIT_COMMITTER_EMAIL: 'boocode@localhost',
} as const;

/**
 * Environment for a git command that writes many objects (`add` of a turn's files, fast-import
 * of its trees). git gives every object a fresh zlib stream whose ~256 KiB of state glibc maps
 * and returns to the kernel again, so each object faulted in new pages: up to a fifth of the time
 * of `git add` after a 500-file turn. Keeping 16 MiB spare at the top of the heap lets each stream
 * reuse the last one's memory. Other C libraries ignore the variable; a user's own tunables come
 * last, so they win.
 */
export function objectWriterEnv(): Record<string, string> {
  const own = process.env.GLIBC_TUNABLES;
  const padded = 'glibc.malloc.top_pad=16777216';
  return { GLIBC_TUNABLES: own === undefined || own === '' ? padded : `${padded}:${own}` };
}

// Settings that would change what the plumbing prints or make it prompt; the user's other
// configuration (filters, LFS, autocrlf) stays in force because it decides file content.
const stableConfig = ['-c', 'core.quotepath=false', '-c', 'color.ui=false', '-c', 'diff.noprefix=false', '-c', 'diff.mnemonicprefix=false'];

/** Runs git and resolves with its exit code and output, whatever the code. */
export function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitOutput> {
  const { startOn } = options;
  if (startOn && !hasPosixShell) return startOn.then(() => runGit(cwd, args, { ...options, startOn: undefined }));
  return new Promise((resolve, reject) => {
    const gitArgs = [...stableConfig, ...args];
    const child = spawn(startOn ? 'sh' : 'git', startOn ? [...waitThenRun, 'git', ...gitArgs] : gitArgs, {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', options.onStdout ?? ((chunk: Buffer) => stdout.push(chunk)));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // Stopped by its signal, git is killed and the command rejects once git is gone ('close'),
    // so that a caller waiting for it knows no git process of its own is left.
    child.once('error', (error) => {
      if (error.name !== 'AbortError') reject(error);
    });
    // EPIPE when git exits before reading all of stdin (it refused the patch early): the exit code tells.
    child.stdin.on('error', () => {});
    let notStarted: { reason: unknown } | undefined;
    child.once('close', (code) => {
      if (notStarted) {
        reject(notStarted.reason);
        return;
      }
      if (options.signal?.aborted) {
        reject(new Error(`git ${args.slice(0, 3).join(' ')} was stopped.`));
        return;
      }
      resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString(options.encoding ?? 'utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    if (startOn) {
      // The line starts git; stdin ending without it makes the shell exit, git never run.
      void startOn.then(
        () => child.stdin.end('\n'),
        (reason: unknown) => {
          notStarted = { reason };
          child.stdin.end();
        },
      );
      return;
    }
    const input = options.input ?? '';
    if (input instanceof Promise) void input.then((data) => child.stdin.end(data), () => child.stdin.end());
    else child.stdin.end(input);
  });
}

/** Runs git and returns stdout; a non-zero exit throws GitCommandError. */
export async function git(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  const output = await runGit(cwd, args, options);
  if (output.code !== 0) throw new GitCommandError(args, output);
  return output.stdout;
}
