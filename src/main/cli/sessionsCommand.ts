// `boocode sessions`: a project's sessions with their chats and working directories.
import { resolve } from 'node:path';
import { defaultDataDir } from '../core/dataDir.ts';
import { exitCodes, failure, usageError, type CliCommand } from './command.ts';
import { pathOption, withDataDir } from './dataDir.ts';

export const sessionsCommand: CliCommand = {
  summary: "List a project's sessions with their chats and working directories.",
  usage: `Usage: boocode sessions --project PATH [--data-dir DIR] [--all] [--json]

Options:
  --project PATH   the project folder (or a project id)
  --all            include archived sessions
  --json           print the sessions as JSON
  --data-dir DIR   where projects and chats are stored (default: ${defaultDataDir()})
  -h, --help       show this help`,
  options: {
    'data-dir': { type: 'string' },
    project: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const option = pathOption(values, 'project');
    if (!option.ok) return option.code;
    const projectOption = option.value;
    if (projectOption === undefined) return usageError('sessions: --project is required.');
    return withDataDir(values, 'sessions', async (api) => {
      const listed = await api.call('projects.list', {});
      if (!listed.ok) return failure(listed.error.message);
      const known = listed.value.find((project) => project.id === projectOption);
      const project = known ? { ok: true as const, value: known } : await api.call('projects.open', { path: resolve(projectOption) });
      if (!project.ok) return failure(project.error.message);
      const sessions = await api.call('sessions.list', { projectId: project.value.id, includeArchived: values.all === true });
      if (!sessions.ok) return failure(sessions.error.message);
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(sessions.value, null, 2)}\n`);
        return exitCodes.ok;
      }
      if (sessions.value.length === 0) process.stdout.write(`No sessions in ${project.value.path} yet.\n`);
      for (const session of sessions.value) {
        process.stdout.write(`${session.name}  ${session.id}${session.archivedAt ? '  (archived)' : ''}\n  working in ${session.cwd}${session.usesWorktree ? ' (worktree)' : ''}\n`);
        for (const chat of session.chats) process.stdout.write(`  - ${chat.title}  ${chat.id}  [${chat.agentId}]\n`);
      }
      return exitCodes.ok;
    });
  },
};
