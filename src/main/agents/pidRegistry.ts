// The pid registry: every agent process the core starts is recorded in SQLite with its start
// identity and the identity of the core that owns it. After a crash of the app, the next core
// reaps the processes it can prove were started by a core that no longer runs, and nothing
// else: a pid that was reused by another program has another start identity.
import type { Store } from '../store/index.ts';
import { processStartIdentity, processGroupMembers, signalProcessGroup } from './processTree.ts';

export interface PidRegistry {
  /** Records a process this core started; call right after spawn. */
  register(pid: number, info: { command: string; chatId?: string; agentId?: string }): void;
  unregister(pid: number): void;
  /** Kills process groups left by cores that are gone; returns the pids reaped. */
  reapOrphans(): number[];
}

interface Row {
  pid: number;
  start_ticks: string;
  command: string;
  owner: string;
}

export function createPidRegistry(store: Store): PidRegistry {
  const { db } = store;
  const owner = `${process.pid}:${processStartIdentity(process.pid) ?? 'unknown'}`;
  const insert = db.prepare(
    `INSERT INTO agent_processes (pid, start_ticks, command, owner, chat_id, agent_id, started_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(pid) DO UPDATE SET start_ticks = excluded.start_ticks, command = excluded.command,
       owner = excluded.owner, chat_id = excluded.chat_id, agent_id = excluded.agent_id, started_at = excluded.started_at`,
  );
  const remove = db.prepare<[number]>('DELETE FROM agent_processes WHERE pid = ?');
  const all = db.prepare<[], Row>('SELECT pid, start_ticks, command, owner FROM agent_processes');

  return {
    register(pid, info) {
      const identity = processStartIdentity(pid);
      // A process that died before we could read it needs no reaping later.
      if (identity === undefined) return;
      insert.run(pid, identity, info.command, owner, info.chatId ?? null, info.agentId ?? null, new Date().toISOString());
    },
    unregister(pid) {
      remove.run(pid);
    },
    reapOrphans() {
      const reaped: number[] = [];
      for (const row of all.all()) {
        if (isOwnerAlive(row.owner) && row.owner !== owner) continue; // another live core's child
        if (processStartIdentity(row.pid) === row.start_ticks) {
          signalProcessGroup(row.pid, 'SIGKILL');
          reaped.push(row.pid);
        } else if (processGroupMembers(row.pid).length > 0 && processStartIdentity(row.pid) === undefined) {
          // The leader is gone but its group lives on (a wrapper's orphaned agent).
          signalProcessGroup(row.pid, 'SIGKILL');
          reaped.push(row.pid);
        }
        remove.run(row.pid);
      }
      return reaped;
    },
  };
}

function isOwnerAlive(owner: string): boolean {
  const [pid, identity] = owner.split(':');
  return pid !== undefined && processStartIdentity(Number(pid)) === identity;
}
