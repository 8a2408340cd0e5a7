// A worktree service on a real store and a real git project in temp dirs.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import type { ChangesUpdatedEvent } from '../../../src/shared/changes.ts';
import type { Result } from '../../../src/shared/contract.ts';
import { createUnitOfWork } from '../../../src/main/store/index.ts';
import { createEventBus } from '../../../src/main/events/index.ts';
import { openStore, type Store } from '../../../src/main/store/index.ts';
import { createWorktreeService, type WorktreeService } from '../../../src/main/worktrees/index.ts';
import { git, initRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tempDir.ts';

export interface Fixture {
  readonly service: WorktreeService;
  /** A second service on the same store and data dir, as after a restart: nothing cached. */
  restarted(): WorktreeService;
  readonly store: Store;
  readonly dataDir: string;
  readonly project: string;
  readonly events: ChangesUpdatedEvent[];
  readonly logs: string[];
  /** Moves the service's clock forward. */
  advance(ms: number): void;
}

export function fixture(options: { files?: Record<string, string> } = {}): Fixture {
  const dataDir = tempDir('boo-wt-data-');
  const project = initRepo(tempDir('boo-wt-project-'));
  for (const [path, content] of Object.entries(options.files ?? {})) write(project, path, content);
  if (options.files) {
    git(project, 'add', '-A');
    git(project, 'commit', '--quiet', '-m', 'files');
  }
  const store = openStore(dataDir);
  onTestFinished(() => store.close());
  const unitOfWork = createUnitOfWork(store, createEventBus());
  const events: ChangesUpdatedEvent[] = [];
  const logs: string[] = [];
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const create = () => {
    const service = createWorktreeService({
      store,
      unitOfWork,
      publish: (event) => events.push(event),
      dataDir,
      log: (line) => logs.push(line),
      now: () => clock,
    });
    // Its background upkeep of the repository ends with the test.
    onTestFinished(() => service.close());
    return service;
  };
  return { service: create(), restarted: create, store, dataDir, project, events, logs, advance: (ms) => void (clock += ms) };
}

export function write(root: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

export function read(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

export function makeExecutable(root: string, path: string): void {
  chmodSync(join(root, path), 0o755);
}

export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}

export function expectFailure<T>(result: Result<T>, kind: string): string {
  expect(result.ok, result.ok ? 'expected a failure' : '').toBe(false);
  if (result.ok) return '';
  expect(result.error.kind).toBe(kind);
  return result.error.message;
}

/** Numbered lines "line 1\n" … "line n\n", with some replaced. */
export function lines(count: number, replace: Record<number, string> = {}): string {
  let text = '';
  for (let i = 1; i <= count; i += 1) text += `${replace[i] ?? `line ${i.toString()}`}\n`;
  return text;
}

/** A worktree session of the fixture's project; returns its working directory. */
export async function prepared(f: Fixture, sessionId = 'session-1'): Promise<string> {
  const workspace = unwrap(await f.service.prepare({ sessionId, projectPath: f.project }));
  if (workspace.kind !== 'worktree') throw new Error('expected a worktree');
  return workspace.path;
}
