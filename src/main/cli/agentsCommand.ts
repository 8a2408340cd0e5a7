// `boocode agents`: list, add and remove agents through the same contract the app uses.
import { resolve } from 'node:path';
import { agentIdFromName, parseEnvAssignments, type AgentDescriptor } from '../../shared/agents.ts';
import type { BooApi } from '../../shared/contract.ts';
import { defaultDataDir } from '../core/dataDir.ts';
import { exitCodes, failure, usageError, type CliCommand } from './command.ts';
import { pathOption, withDataDir } from './dataDir.ts';

type Subcommand = 'list' | 'add' | 'remove';

/** Which options each form accepts; node's parseArgs sees their union. */
const optionsBySubcommand: Readonly<Record<Subcommand, readonly string[]>> = {
  list: ['data-dir', 'project', 'json'],
  add: ['data-dir', 'name', 'command', 'id', 'arg', 'env', 'json'],
  remove: ['data-dir', 'id', 'json'],
};

export const agentsCommand: CliCommand = {
  summary: 'List the agents BooCode can run, add your own ACP agents, remove them.',
  usage: `Usage: boocode agents [list] [--data-dir DIR] [--project PATH] [--json]
       boocode agents add [--data-dir DIR] --name NAME --command COMMAND [--id ID]
                          [--arg ARG]... [--env KEY=VALUE]... [--json]
       boocode agents remove [--data-dir DIR] (--id ID | ID) [--json]

list     every known agent, built-in and custom: id, name, command line, version (or
         "not installed" with how to install it) and where it comes from
add      add an ACP agent that BooCode starts as COMMAND ARG... over stdio
remove   remove a custom agent (built-in agents cannot be removed)

Options:
  --data-dir DIR     where projects, chats and settings are stored
                     (default: ${defaultDataDir()})
  --project PATH     also look in PATH/node_modules/.bin (a project id works too)
  --name NAME        the name shown in the agent picker
  --command COMMAND  an absolute path, or a name looked up in the project's
                     node_modules/.bin and then on PATH
  --id ID            lowercase letters, digits, ".", "_" or "-" (default: made from NAME)
  --arg ARG          an argument, repeatable; write --arg=--acp for one starting with "-"
  --env KEY=VALUE    an environment variable for the agent, repeatable
  --json             print JSON instead of text
  -h, --help         show this help`,
  options: {
    'data-dir': { type: 'string' },
    project: { type: 'string' },
    json: { type: 'boolean' },
    name: { type: 'string' },
    command: { type: 'string' },
    id: { type: 'string' },
    arg: { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
  },
  allowPositionals: true,
  async run(values, positionals) {
    const [first, ...rest] = positionals;
    const subcommand = first ?? 'list';
    if (!isSubcommand(subcommand)) return usageError(`agents: unknown form "${subcommand}"; use list, add or remove.`);
    const stray = Object.keys(values).find((option) => option !== 'help' && !optionsBySubcommand[subcommand].includes(option));
    if (stray !== undefined) return usageError(`agents ${subcommand}: --${stray} is not one of its options.`);
    const maxPositionals = subcommand === 'remove' ? 1 : 0;
    if (rest.length > maxPositionals) return usageError(`agents ${subcommand}: unexpected argument "${rest[maxPositionals]}".`);

    const project = pathOption(values, 'project');
    if (!project.ok) return project.code;
    return withDataDir(values, `agents ${subcommand}`, async (api) => {
      const isJson = values.json === true;
      switch (subcommand) {
        case 'list':
          return await listAgents(api, project.value, isJson);
        case 'add':
          return await addAgent(api, values, isJson);
        case 'remove':
          return await removeAgent(api, stringOption(values, 'id') ?? rest[0], isJson);
        default:
          return assertNever(subcommand);
      }
    });
  },
};

async function listAgents(api: BooApi, project: string | undefined, isJson: boolean): Promise<number> {
  let projectId: string | undefined;
  if (project !== undefined) {
    const found = await projectIdFor(api, project);
    if (!found.ok) return failure(found.message);
    projectId = found.projectId;
  }
  const listed = await api.call('agents.list', projectId === undefined ? {} : { projectId });
  if (!listed.ok) return failure(listed.error.message);
  process.stdout.write(isJson ? `${JSON.stringify(listed.value, null, 2)}\n` : formatTable(listed.value));
  return exitCodes.ok;
}

async function addAgent(api: BooApi, values: Record<string, unknown>, isJson: boolean): Promise<number> {
  const name = stringOption(values, 'name');
  const command = stringOption(values, 'command');
  if (name === undefined) return usageError('agents add: --name is required.');
  if (command === undefined) return usageError('agents add: --command is required.');
  if (name.trim() === '') return failure('agents add: --name: a name is required.');
  const assignments = parseEnvAssignments(listOption(values, 'env'));
  if (!assignments.ok) return usageError(`agents add: --env wants KEY=VALUE, not "${assignments.malformed}".`);
  const env = assignments.env;
  const id = stringOption(values, 'id') ?? agentIdFromName(name);
  if (id === '') return failure(`agents add: cannot make an id from the name "${name}"; pass --id.`);
  const added = await api.call('agents.add', { agent: { id, name, command, args: listOption(values, 'arg'), env } });
  if (!added.ok) return failure(added.error.message);
  process.stdout.write(isJson ? `${JSON.stringify(added.value, null, 2)}\n` : `Added agent "${added.value.id}".\n${formatTable([added.value])}`);
  return exitCodes.ok;
}

async function removeAgent(api: BooApi, agentId: string | undefined, isJson: boolean): Promise<number> {
  if (agentId === undefined) return usageError('agents remove: give the id to remove (--id ID, or ID).');
  const removed = await api.call('agents.remove', { agentId });
  if (!removed.ok) return failure(removed.error.message);
  process.stdout.write(isJson ? `${JSON.stringify(removed.value)}\n` : `Removed agent "${agentId}".\n`);
  return exitCodes.ok;
}

/**
 * The contract knows projects by id. A path is opened as a project, as dropping the folder on
 * the window would (opening an already known folder returns its record, unchanged).
 */
async function projectIdFor(api: BooApi, project: string): Promise<{ ok: true; projectId: string } | { ok: false; message: string }> {
  const known = await api.call('projects.list', {});
  if (known.ok) {
    const byId = known.value.find((candidate) => candidate.id === project);
    if (byId) return { ok: true, projectId: byId.id };
  }
  const opened = await api.call('projects.open', { path: resolve(project) });
  return opened.ok ? { ok: true, projectId: opened.value.id } : { ok: false, message: opened.error.message };
}

function formatTable(agents: readonly AgentDescriptor[]): string {
  const header = ['ID', 'NAME', 'VERSION', 'SOURCE', 'COMMAND'] as const;
  const rows = agents.map((agent) => [
    agent.id,
    agent.name,
    agent.resolvedPath === null ? 'not installed' : (agent.version ?? 'unknown version'),
    agent.source,
    commandLine(agent.command, agent.args),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const hintIndent = ' '.repeat((widths[0] ?? 0) + 2);
  const lines = [format(header)];
  agents.forEach((agent, index) => {
    lines.push(format(rows[index] ?? []));
    if (agent.installHint !== null) lines.push(`${hintIndent}${agent.installHint}`);
  });
  return `${lines.join('\n')}\n`;
}

/** A command line as one would type it in a POSIX shell, quoting only what needs it. */
function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}

function isSubcommand(word: string): word is Subcommand {
  return Object.hasOwn(optionsBySubcommand, word);
}

function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function listOption(values: Record<string, unknown>, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function assertNever(value: never): never {
  throw new Error(`unhandled form ${String(value)}`);
}


