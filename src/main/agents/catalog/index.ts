// The agent catalog: the built-in presets plus the user's own ACP agents, each detected on disk
// (project node_modules/.bin, then PATH) and turned into a launch spec for the pool.
import type { z } from 'zod';
import { CustomAgentSchema, type AgentDescriptor, type AgentId, type CustomAgent } from '../../../shared/agents.ts';
import { SettingsSchema, fail, ok, type Result } from '../../../shared/contract.ts';
import type { SettingsService } from '../../settings/index.ts';
import { createVersionProbe, findExecutable, searchDirs } from './detect.ts';
import { builtinPresets, defaultQuirks, quirksFor, type AgentPreset, type AgentQuirks } from './presets.ts';

export type { AgentQuirks } from './presets.ts';

/** Everything the pool needs to start one agent process. */
export interface AgentLaunchSpec {
  readonly agentId: AgentId;
  readonly name: string;
  readonly protocol: 'acp' | 'opencode-server';
  /** Absolute path of the executable. */
  readonly command: string;
  readonly args: readonly string[];
  /** The user's environment plus the agent's own variables, which win. */
  readonly env: Readonly<Record<string, string>>;
  readonly quirks: AgentQuirks;
}

export interface AgentCatalog {
  /** Built-in agents, then custom ones, each with where it was found and its version (or null). */
  list(options?: { projectPath?: string }): Promise<AgentDescriptor[]>;
  /** 'not-found' for an unknown id; 'agent-not-installed' (with the install hint) when its executable is missing. */
  resolve(agentId: string, options?: { projectPath?: string }): Promise<Result<AgentLaunchSpec>>;
  /** Validates and stores a custom agent; its id must not be taken by a built-in or another custom agent. */
  add(agent: CustomAgent): Promise<Result<AgentDescriptor>>;
  /** Replaces the custom agent with the same id, validated as add does; 'not-found' when there is none. */
  update(agent: CustomAgent): Promise<Result<AgentDescriptor>>;
  /** Built-in agents cannot be removed ('invalid-arguments'); an unknown id is 'not-found'. */
  remove(agentId: AgentId): Result<{ removed: boolean }>;
  /** What the catalog knows of an agent without looking for its executable. */
  entry(agentId: string): { readonly id: string; readonly name: string; readonly protocol: 'acp' | 'opencode-server' } | undefined;
}

/** One entry of the catalog before detection, whatever its source. */
interface CatalogEntry {
  readonly id: AgentId;
  readonly name: string;
  readonly source: 'builtin' | 'custom';
  readonly protocol: 'acp' | 'opencode-server';
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly installHint: string;
}

export function createAgentCatalog(deps: {
  settings: SettingsService;
  env?: NodeJS.ProcessEnv;
}): AgentCatalog {
  // Read at each use, so a change to process.env (a shell-env fix-up at start) is seen.
  const userEnv = () => definedOnly(deps.env ?? process.env);
  const versions = createVersionProbe();
  const builtinIds = new Set<string>(builtinPresets.map((preset) => preset.id));

  function entries(): CatalogEntry[] {
    return [...builtinPresets.map(fromPreset), ...deps.settings.get().customAgents.map(fromCustom)];
  }

  async function describe(entry: CatalogEntry, projectPath: string | undefined): Promise<AgentDescriptor> {
    const resolvedPath = await findExecutable(entry.command, searchDirs(userEnv(), projectPath), projectPath);
    const version = resolvedPath === null ? null : await versions.versionOf(resolvedPath, launchEnv(entry));
    return {
      id: entry.id,
      name: entry.name,
      protocol: entry.protocol,
      source: entry.source,
      command: entry.command,
      args: [...entry.args],
      resolvedPath,
      version,
      installHint: resolvedPath === null ? entry.installHint : null,
    };
  }

  function launchEnv(entry: CatalogEntry): Record<string, string> {
    return { ...userEnv(), ...entry.env };
  }

  return {
    list(options = {}) {
      return Promise.all(entries().map((entry) => describe(entry, options.projectPath)));
    },

    async resolve(agentId, options = {}) {
      const entry = entries().find((candidate) => candidate.id === agentId);
      if (!entry) return fail('not-found', `No agent with id ${JSON.stringify(agentId)}.`);
      const path = await findExecutable(entry.command, searchDirs(userEnv(), options.projectPath), options.projectPath);
      if (path === null) {
        return fail('agent-not-installed', `${entry.name} is not installed: "${entry.command}" was not found. ${entry.installHint}`);
      }
      return ok({
        agentId: entry.id,
        name: entry.name,
        protocol: entry.protocol,
        command: path,
        args: [...entry.args],
        env: launchEnv(entry),
        quirks: entry.source === 'builtin' ? quirksFor(entry.id) : defaultQuirks,
      });
    },

    async add(agent) {
      const parsed = CustomAgentSchema.safeParse(agent);
      if (!parsed.success) return fail('invalid-arguments', `agents.add: ${describeIssue(parsed.error.issues[0])}`);
      const added = parsed.data;
      if (builtinIds.has(added.id)) {
        return fail('invalid-arguments', `agents.add: id: "${added.id}" is a built-in agent; choose another id.`);
      }
      // Checked and written in one transaction over the stored list, so two adds of one id cannot
      // both pass and no add is lost to another.
      const written = deps.settings.update(
        'customAgents',
        (existing) => {
          if (existing.some((custom) => custom.id === added.id)) {
            return fail('invalid-arguments', `agents.add: id: an agent with id "${added.id}" already exists.`);
          }
          const next = [...existing, added];
          // Settings are validated on the way out: a list the schema refuses (too long) would read
          // back as the default, dropping every custom agent. Refuse it here instead.
          const checked = SettingsSchema.shape.customAgents.safeParse(next);
          return checked.success ? ok(next) : fail('invalid-arguments', `agents.add: ${describeIssue(checked.error.issues[0])}`);
        },
        [{ type: 'agent.catalog.changed' }],
      );
      if (!written.ok) return written;
      return ok(await describe(fromCustom(added), undefined));
    },

    entry(agentId) {
      const found = entries().find((candidate) => candidate.id === agentId);
      return found ? { id: found.id, name: found.name, protocol: found.protocol } : undefined;
    },

    async update(agent) {
      const parsed = CustomAgentSchema.safeParse(agent);
      if (!parsed.success) return fail('invalid-arguments', `agents.update: ${describeIssue(parsed.error.issues[0])}`);
      const updated = parsed.data;
      if (builtinIds.has(updated.id)) return fail('invalid-arguments', `agents.update: "${updated.id}" is a built-in agent and cannot be changed.`);
      const written = deps.settings.update(
        'customAgents',
        (existing) => {
          if (!existing.some((custom) => custom.id === updated.id)) return fail('not-found', `No custom agent with id ${JSON.stringify(updated.id)}.`);
          return ok(existing.map((custom) => (custom.id === updated.id ? updated : custom)));
        },
        [{ type: 'agent.catalog.changed' }],
      );
      if (!written.ok) return written;
      return ok(await describe(fromCustom(updated), undefined));
    },

    remove(agentId) {
      if (builtinIds.has(agentId)) {
        return fail('invalid-arguments', `agents.remove: "${agentId}" is a built-in agent and cannot be removed.`);
      }
      const written = deps.settings.update(
        'customAgents',
        (existing) => {
          const next = existing.filter((custom) => custom.id !== agentId);
          return next.length === existing.length ? fail('not-found', `No custom agent with id ${JSON.stringify(agentId)}.`) : ok(next);
        },
        [{ type: 'agent.catalog.changed' }],
      );
      return written.ok ? ok({ removed: true }) : written;
    },
  };
}

function fromPreset(preset: AgentPreset): CatalogEntry {
  return { ...preset, source: 'builtin', env: {} };
}

function fromCustom(agent: CustomAgent): CatalogEntry {
  return {
    id: agent.id,
    name: agent.name,
    source: 'custom',
    // Custom agents are ACP commands; opencode's server protocol is offered by the built-in preset.
    protocol: 'acp',
    command: agent.command,
    args: agent.args,
    env: agent.env,
    installHint: `Check that "${agent.command}" exists and is executable, or put its folder on PATH.`,
  };
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid agent';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'agent';
  // zod reports a bad record key as "Invalid key in record"; the only record here is env.
  if (issue.code === 'invalid_key' && issue.path[0] === 'env') {
    return `${where}: not an environment variable name (letters, digits and "_", not starting with a digit)`;
  }
  return `${where}: ${issue.message}`;
}

/** process.env may hold undefined values; a child's environment may not. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) result[key] = value;
  }
  return result;
}
