// The agents screen: every agent BooCode knows (version, where it was found, how to install a
// missing one), the user's own ACP agents (add, edit, remove; validated as `boocode agents add`
// validates them), the live agent processes (from `agent.process.changed`, with Stop and Reset),
// and the disk the session worktrees take, with a clean-up of archived ones.
import { X } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import type { AgentDescriptor, AgentProcessInfo } from '../../shared/agents.ts';
import { useWindow, useWindowShallow, type AppStore } from '../state/store.ts';
import { CustomAgentForm } from './CustomAgentForm.tsx';
import { DiskUsage } from './DiskUsage.tsx';
import { formatBytes } from './format.ts';
import './agents.css';

export const agentsScreenTimings = {
  /** Memory of live processes is measured by the core on request; this often while the screen shows. */
  memoryRefreshMs: 5_000,
} as const;

export function AgentsScreen({ store }: { store: AppStore }) {
  return (
    <div className="screen" role="region" aria-label="Agents">
      <header className="screen-header">
        <div>
          <h1 className="screen-title">Agents</h1>
          <p className="screen-subtitle">The coding agents BooCode can run, your own ACP agents, and the agent processes running now.</p>
        </div>
        <span className="spacer" />
        <button type="button" onClick={() => store.showScreen('settings')}>
          Settings…
        </button>
        <button type="button" className="icon-button" aria-label="Close agents" title="Close" onClick={() => store.showScreen(undefined)}>
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      <div className="screen-body">
        <Processes store={store} />
        <Catalog store={store} />
        <DiskUsage store={store} />
      </div>
    </div>
  );
}

function Catalog({ store }: { store: AppStore }) {
  const catalogVersion = useWindow(store, (state) => state.client.catalogVersion);
  const agents = useWindow(store, (state) => state.agents);
  const [editing, setEditing] = useState<AgentDescriptor | 'new' | undefined>();
  useEffect(() => {
    void store.loadAgents();
  }, [store, catalogVersion]);

  async function remove(agent: AgentDescriptor): Promise<void> {
    if (!window.confirm(`Remove ${agent.name}? Chats that use it keep their history; they need another agent to continue.`)) return;
    const removed = await store.call('agents.remove', { agentId: agent.id });
    if (!removed.ok) store.reportError(`Could not remove ${agent.name}`, removed.error);
    else store.notify('success', `Removed ${agent.name}`);
  }

  return (
    <section className="agents-section" aria-label="Agent catalog">
      <div className="section-header">
        <h2 className="settings-group-title">Catalog</h2>
        <span className="spacer" />
        <button type="button" onClick={() => setEditing('new')}>
          Add an ACP agent…
        </button>
      </div>
      {editing && <CustomAgentForm store={store} agent={editing === 'new' ? undefined : editing} onDone={() => setEditing(undefined)} />}
      {!agents ? (
        <p className="muted">Looking for agents…</p>
      ) : (
        <table className="agents-table">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Version</th>
              <th scope="col">Found at</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {agents.list.map((agent) => (
              <tr key={agent.id} aria-label={agent.name}>
                <td>
                  <span className="agent-name">{agent.name}</span>
                  <span className="agent-meta">
                    {agent.id} · {agent.source === 'builtin' ? 'built in' : 'your agent'} · {agent.protocol === 'acp' ? 'ACP' : 'opencode server'}
                  </span>
                </td>
                <td className="agent-version">{agent.resolvedPath === null ? <span className="agent-missing">not installed</span> : (agent.version ?? <span className="muted">unknown</span>)}</td>
                <td className="agent-where">{agent.resolvedPath ?? <InstallHint hint={agent.installHint} />}</td>
                <td className="agent-actions">
                  {agent.source === 'custom' && (
                    <>
                      <button type="button" aria-label={`Edit ${agent.name}`} onClick={() => setEditing(agent)}>
                        Edit
                      </button>
                      <button type="button" aria-label={`Remove ${agent.name}`} onClick={() => void remove(agent)}>
                        Remove
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** "Install it with: npm install -g x" shows the command to copy; any other hint as it is. */
function InstallHint({ hint }: { hint: string | null }) {
  if (!hint) return <span className="muted">not found</span>;
  const command = /^Install it with: (.+)$/.exec(hint)?.[1];
  if (!command) return <span className="agent-hint">{withLinks(hint)}</span>;
  return (
    <span className="agent-hint">
      Install with <code>{command}</code>
      <button type="button" className="copy-button" aria-label={`Copy ${command}`} onClick={() => void navigator.clipboard?.writeText(command)}>
        Copy
      </button>
    </span>
  );
}

/** Web addresses in a hint become links; they open in the user's browser (the desktop app hands them over). */
function withLinks(text: string): ReactNode[] {
  return text.split(/(https:\/\/[^\s]+)/).map((part, index) =>
    part.startsWith('https://') ? (
      <a key={index} href={part} target="_blank" rel="noreferrer noopener">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

const liveStates = new Set(['starting', 'ready', 'busy', 'idle']);

function Processes({ store }: { store: AppStore }) {
  const processes = useWindowShallow(store, (state) => Object.values(state.client.processes).filter((process) => process.state !== 'stopped'));
  const [memory, setMemory] = useState<Readonly<Record<string, number | null>>>({});
  const hasLive = processes.some((process) => liveStates.has(process.state));
  useEffect(() => {
    if (!hasLive) return;
    let isCurrent = true;
    const measure = async () => {
      const listed = await store.call('agents.processes', {});
      if (isCurrent && listed.ok) setMemory(Object.fromEntries(listed.value.map((process) => [`${process.chatId}/${process.agentId}`, process.rssBytes])));
    };
    void measure();
    const timer = setInterval(() => void measure(), agentsScreenTimings.memoryRefreshMs);
    return () => {
      isCurrent = false;
      clearInterval(timer);
    };
  }, [store, hasLive]);

  return (
    <section className="agents-section" aria-label="Running agents">
      <h2 className="settings-group-title">Running agents</h2>
      {processes.length === 0 ? (
        <p className="muted">No agent process is running. A chat starts its agent on its first turn and keeps it warm for the next.</p>
      ) : (
        <table className="agents-table">
          <thead>
            <tr>
              <th scope="col">Chat</th>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">PID</th>
              <th scope="col">Memory</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {processes
              .sort((a, b) => a.since.localeCompare(b.since))
              .map((process) => (
                <ProcessRow key={`${process.chatId}/${process.agentId}`} store={store} process={process} rssBytes={memory[`${process.chatId}/${process.agentId}`] ?? process.rssBytes} />
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ProcessRow({ store, process, rssBytes }: { store: AppStore; process: AgentProcessInfo; rssBytes: number | null }) {
  const place = useWindow(store, (state) => {
    const chat = state.client.chats[process.chatId];
    const session = chat ? state.client.sessions[chat.sessionId] : undefined;
    return chat ? `${chat.title}${session ? ` · ${session.name}` : ''}` : process.chatId;
  });
  const [isWorking, setWorking] = useState(false);
  const isLive = liveStates.has(process.state);

  async function stop(): Promise<void> {
    setWorking(true);
    const stopped = await store.call('agents.stop', { chatId: process.chatId, agentId: process.agentId });
    setWorking(false);
    if (!stopped.ok) store.reportError(`Could not stop ${process.agentId}`, stopped.error);
  }
  async function reset(): Promise<void> {
    setWorking(true);
    const reset = await store.call('agents.reset', { chatId: process.chatId, agentId: process.agentId });
    setWorking(false);
    if (!reset.ok) store.reportError(`Could not reset ${process.agentId}`, reset.error);
  }

  const label = `${process.agentId} in ${place}`;
  return (
    <tr aria-label={label}>
      <td>
        <button type="button" className="link-button" onClick={() => void store.openChat(process.chatId)}>
          {place}
        </button>
      </td>
      <td>{process.agentId}</td>
      <td>
        <span className={`process-state ${process.state}`}>{process.state}</span>
        {process.exit?.stderrTail && (process.state === 'crashed' || process.state === 'failed') && <span className="process-exit" title={process.exit.stderrTail}> (exit {process.exit.code ?? process.exit.signal})</span>}
      </td>
      <td>{process.pid ?? '—'}</td>
      <td>{isLive && rssBytes !== null ? formatBytes(rssBytes) : '—'}</td>
      <td title={new Date(process.since).toLocaleString()}>{sinceText(process.since)}</td>
      <td className="agent-actions">
        {isLive && (
          <button type="button" aria-label={`Stop ${label}`} disabled={isWorking || process.state === 'busy'} title={process.state === 'busy' ? 'It is running a turn: stop the turn in its chat first' : 'Stop this process; the next turn starts a new one'} onClick={() => void stop()}>
            Stop
          </button>
        )}
        {process.state === 'failed' && (
          <button type="button" aria-label={`Reset ${label}`} disabled={isWorking} title="It crashed too often and was turned off; reset it to let the next turn start it again" onClick={() => void reset()}>
            Reset
          </button>
        )}
      </td>
    </tr>
  );
}

function sinceText(since: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return new Date(since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
