// Real git repositories for tests, with an identity that does not depend on the machine.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const identity = {
  GIT_AUTHOR_NAME: 'Boo Test',
  GIT_AUTHOR_EMAIL: 'test@boocode.invalid',
  GIT_COMMITTER_NAME: 'Boo Test',
  GIT_COMMITTER_EMAIL: 'test@boocode.invalid',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...identity } }).trim();
}

/** `git init` on `branch` with one commit holding README.md. */
export function initRepo(dir: string, branch = 'main'): string {
  git(dir, 'init', '--quiet', `--initial-branch=${branch}`);
  writeFileSync(join(dir, 'README.md'), '# test\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}
