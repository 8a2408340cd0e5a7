// How much disk the session worktrees take, and a clean-up that removes the folders of every
// archived session now (their work stays in hidden refs of the project: restoring brings it back).
import { useCallback, useEffect, useState } from 'react';
import type { BooError } from '../../shared/contract.ts';
import { useWindowShallow, type AppStore } from '../state/store.ts';
import { formatBytes } from './format.ts';

type Usage = { readonly sessionId: string; readonly bytes: number }[];

export function DiskUsage({ store }: { store: AppStore }) {
  const [usage, setUsage] = useState<Usage | BooError | undefined>();
  const [isCleaning, setCleaning] = useState(false);
  const sessions = useWindowShallow(store, (state) => Object.values(state.client.sessions));
  const projects = useWindowShallow(store, (state) => state.client.projects);

  const measure = useCallback(async () => {
    const measured = await store.call('sessions.diskUsage', {});
    setUsage(measured.ok ? measured.value : measured.error);
  }, [store]);
  useEffect(() => {
    void measure();
  }, [measure]);

  async function cleanUp(): Promise<void> {
    setCleaning(true);
    const cleaned = await store.call('sessions.cleanUpArchived', {});
    setCleaning(false);
    if (!cleaned.ok) return store.reportError('Could not clean up', cleaned.error);
    const count = cleaned.value.removed.length;
    store.notify('success', count === 0 ? 'Nothing to clean up' : `Removed the worktrees of ${count} archived ${count === 1 ? 'session' : 'sessions'}`);
    await measure();
  }

  const rows = Array.isArray(usage)
    ? usage
        .map((entry) => {
          const session = sessions.find((candidate) => candidate.id === entry.sessionId);
          const project = projects.find((candidate) => candidate.id === session?.projectId);
          return { ...entry, name: session?.name ?? entry.sessionId, project: project?.name, isArchived: session?.archivedAt != null };
        })
        .sort((a, b) => b.bytes - a.bytes)
    : [];
  const archived = rows.filter((row) => row.isArchived);
  return (
    <section className="agents-section" aria-label="Disk usage">
      <div className="section-header">
        <h2 className="settings-group-title">Session worktrees on disk</h2>
        <span className="spacer" />
        <button type="button" onClick={() => void measure()}>
          Measure again
        </button>
        <button type="button" disabled={isCleaning || archived.length === 0} onClick={() => void cleanUp()}>
          {isCleaning ? 'Cleaning up…' : 'Clean up archived'}
        </button>
      </div>
      {usage === undefined && <p className="muted">Measuring…</p>}
      {usage !== undefined && !Array.isArray(usage) && <p className="setting-problem">Could not measure: {usage.message}</p>}
      {Array.isArray(usage) && rows.length === 0 && <p className="muted">No session has a worktree on disk.</p>}
      {rows.length > 0 && (
        <table className="agents-table">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Project</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.sessionId}>
                <td>
                  {row.name}
                  {row.isArchived && <span className="agent-meta"> archived</span>}
                </td>
                <td>{row.project ?? '—'}</td>
                <td>{formatBytes(row.bytes)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total{archived.length > 0 ? ` (${formatBytes(archived.reduce((sum, row) => sum + row.bytes, 0))} in archived sessions)` : ''}
              </th>
              <td>{formatBytes(rows.reduce((sum, row) => sum + row.bytes, 0))}</td>
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
