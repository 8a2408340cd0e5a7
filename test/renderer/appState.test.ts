import { describe, expect, test } from 'vitest';
import type { AppEvent, Project, ProjectId, Settings } from '../../src/shared/contract.ts';
import { initialAppState, reduceAppState } from '../../src/renderer/state/appState.ts';

function project(id: string, lastOpenedAt = '2026-01-01T00:00:00.000Z'): Project {
  return { id: id as ProjectId, name: id, path: `/code/${id}`, isGit: true, branch: 'main', setup: { copyFiles: [], command: null }, createdAt: lastOpenedAt, lastOpenedAt };
}

function opened(seq: number, value: Project): AppEvent {
  return { seq, at: value.createdAt, type: 'workspace.project.opened', project: value };
}

const settings: Settings = { theme: 'system', maxWarmAgents: 4, agentIdleTtlMinutes: 15, permissionTimeoutSeconds: 0, archivedWorktreeRetentionDays: 7, opencodeConfigOverlay: '', queueLimit: 20, customAgents: [] };

describe('renderer app state', () => {
  test('an event at or below the last applied seq is ignored, so replays never duplicate', () => {
    const loaded = reduceAppState(initialAppState, { type: 'snapshot', projects: [project('a')], settings, lastSeq: 5, epoch: 'e' });
    const replayedOld = reduceAppState(loaded, { type: 'event', event: { seq: 5, at: '', type: 'workspace.project.removed', projectId: 'a' as ProjectId } });
    expect(replayedOld).toBe(loaded);
    const next = reduceAppState(loaded, { type: 'event', event: opened(6, project('b', '2026-02-01T00:00:00.000Z')) });
    expect(next.projects.map((p) => p.id)).toEqual(['b', 'a']);
    expect(reduceAppState(next, { type: 'event', event: opened(6, project('b')) })).toBe(next);
  });

  test('an open followed by the event for the same project keeps one entry', () => {
    const loaded = reduceAppState(initialAppState, { type: 'snapshot', projects: [], settings, lastSeq: 0, epoch: 'e' });
    const upserted = reduceAppState(loaded, { type: 'project.upserted', project: project('a') });
    const afterEvent = reduceAppState(upserted, { type: 'event', event: opened(1, project('a')) });
    expect(afterEvent.projects).toHaveLength(1);
    expect(afterEvent.lastSeq).toBe(1);
  });

  test('removal and settings events apply', () => {
    const loaded = reduceAppState(initialAppState, { type: 'snapshot', projects: [project('a'), project('b')], settings, lastSeq: 0, epoch: 'e' });
    const removed = reduceAppState(loaded, { type: 'event', event: { seq: 1, at: '', type: 'workspace.project.removed', projectId: 'a' as ProjectId } });
    expect(removed.projects.map((p) => p.id)).toEqual(['b']);
    const themed = reduceAppState(removed, { type: 'event', event: { seq: 2, at: '', type: 'app.settings.changed', settings: { ...settings, theme: 'dark' } } });
    expect(themed.settings?.theme).toBe('dark');
  });
});
