// `boocode changes` and `boocode apply`: review a session's pending change set, and apply all
// of it or chosen hunks and files to the project.
import type { ChangeSet } from '../../shared/changes.ts';
import { defaultDataDir } from '../core/dataDir.ts';
import { exitCodes, failure, usageError, type CliCommand } from './command.ts';
import { withDataDir } from './dataDir.ts';
import { quotePath } from './quotePath.ts';

/** `apply` exits with this when the project changed underneath and nothing was applied. */
export const conflictExitCode = 3;

export const changesCommand: CliCommand = {
  summary: "Show a session's pending changes: files, hunks, and which agent and turn made them.",
  usage: `Usage: boocode changes --session ID [--data-dir DIR] [--json]

Prints the changes the session's agents made in its worktree that the project does not have
yet, file by file and hunk by hunk, each with the agent and turn that last changed it.

Options:
  --session ID     the session (see \`boocode sessions\`)
  --json           print the change set as JSON (files, hunks with ids, attribution, +/- counts)
  --data-dir DIR   where projects and sessions are stored (default: ${defaultDataDir()})
  -h, --help       show this help`,
  options: { 'data-dir': { type: 'string' }, session: { type: 'string' }, json: { type: 'boolean' } },
  async run(values) {
    if (typeof values.session !== 'string') return usageError('changes: --session is required.');
    const sessionId = values.session;
    return withDataDir(values, 'changes', async (api) => {
      const changes = await api.call('changes.get', { sessionId });
      if (!changes.ok) return failure(changes.error.message);
      if (values.json === true) process.stdout.write(`${JSON.stringify(changes.value, null, 2)}\n`);
      else process.stdout.write(describe(changes.value));
      return exitCodes.ok;
    });
  },
};

export const applyCommand: CliCommand = {
  summary: "Apply a session's pending changes (all, or chosen hunks and files) to the project.",
  usage: `Usage: boocode apply --session ID [--hunk ID]... [--file PATH]... [--data-dir DIR] [--json]

Applies the session's pending changes to the project's working tree: everything, or only the
hunks and files named. It is all or nothing: when the project changed underneath so that a
change no longer fits, nothing is applied and the conflicting files are listed (exit ${conflictExitCode}).

Options:
  --session ID     the session (see \`boocode sessions\`)
  --hunk ID        a hunk id from \`boocode changes\`, repeatable
  --file PATH      a file (project-relative), repeatable
  --json           print the outcome as JSON
  --data-dir DIR   where projects and sessions are stored (default: ${defaultDataDir()})
  -h, --help       show this help`,
  options: {
    'data-dir': { type: 'string' },
    session: { type: 'string' },
    hunk: { type: 'string', multiple: true },
    file: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(values) {
    if (typeof values.session !== 'string') return usageError('apply: --session is required.');
    const sessionId = values.session;
    const hunkIds = values.hunk as string[] | undefined;
    const files = values.file as string[] | undefined;
    return withDataDir(values, 'apply', async (api) => {
      const applied = await api.call('changes.apply', { sessionId, selection: { hunkIds, files } });
      if (!applied.ok) {
        process.stderr.write(`boocode: ${applied.error.message}\n`);
        return applied.error.kind === 'conflict' ? conflictExitCode : exitCodes.failed;
      }
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(applied.value, null, 2)}\n`);
      } else {
        const { appliedFiles, summary } = applied.value;
        process.stdout.write(`Applied ${appliedFiles.length} file(s): ${appliedFiles.join(', ')}\n${summary.files} file(s) still pending.\n`);
      }
      return exitCodes.ok;
    });
  },
};

function describe(changes: ChangeSet): string {
  if (changes.files.length === 0) return 'No pending changes.\n';
  const lines = [`${changes.summary.files} file(s), +${changes.summary.additions} -${changes.summary.deletions}`];
  for (const file of changes.files) {
    const by = file.attribution ? ` (${file.attribution.agentId}, turn ${file.attribution.turnId.slice(0, 8)})` : '';
    // Names come from agents; quoted, none can write escape sequences or lines of its own to the terminal.
    const name = file.oldPath && file.oldPath !== file.path ? `${quotePath(file.oldPath)} → ${quotePath(file.path)}` : quotePath(file.path);
    lines.push(`${file.kind.padEnd(9)} ${name}  +${file.additions} -${file.deletions}${file.isBinary ? ' [binary]' : ''}${by}`);
    for (const hunk of file.hunks) lines.push(`    hunk ${hunk.id}  +${hunk.additions} -${hunk.deletions}${hunk.attribution ? `  ${hunk.attribution.agentId}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
