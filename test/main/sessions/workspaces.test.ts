import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { testCore } from '../../helpers/core.ts';
import { sendAndWait, setupChat, unwrap } from '../../helpers/chats.ts';
import { git, initRepo } from '../../helpers/git.ts';
import { boocode, jsonLines } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/tempDir.ts';
import { scriptedAgentCommand } from '../../fixtures/scripted-acp-agent.ts';
import { createCore } from '../../../src/main/core/index.ts';

function gitProject(): string {
  const folder = join(tempDir('boo-git-'), 'app');
  mkdirSync(folder);
  initRepo(folder);
  writeFileSync(join(folder, 'src.txt'), 'one\ntwo\nthree\n');
  git(folder, 'add', '.');
  git(folder, 'commit', '--quiet', '-m', 'src');
  return folder;
}

describe('sessions work in their own worktree', () => {
  test('a git project\'s session gets a worktree on boo/<id>; a turn\'s edits become its change set, attributed, and apply reaches the project', async () => {
    const core = testCore();
    const project = gitProject();
    const { chatId, sessionId, cwd } = await setupChat(core, {}, { folder: project });
    expect(cwd).not.toBe(project);
    expect(git(cwd, 'rev-parse', '--abbrev-ref', 'HEAD')).toMatch(/^boo\//);
    const workspace = unwrap(await core.api.call('sessions.workspace', { sessionId }));
    expect(workspace).toMatchObject({ kind: 'worktree', path: cwd, baseCommit: git(project, 'rev-parse', 'HEAD') });
    // The scripted agent writes where it is told; point it at this session's worktree.
    const { command, args, env } = scriptedAgentCommand({
      default: { steps: [{ type: 'write_file', path: join(cwd, 'src.txt'), content: 'one\nTWO\nthree\n' }, { type: 'write_file', path: join(cwd, 'new.txt'), content: 'brand new\n' }, { type: 'text', text: 'edited' }] },
    });
    unwrap(await core.api.call('agents.remove', { agentId: 'scripted' }));
    unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
    const seen: string[] = [];
    core.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind === 'event' && message.event.type === 'changes.updated') seen.push(message.event.sessionId);
    });
    const turn = await sendAndWait(core, chatId, 'edit the files');
    expect(turn.state).toBe('completed');
    // chat.turn.ended comes first; the change set follows as changes.updated once it is recorded.
    await expect.poll(() => seen).toContain(sessionId);
    expect(readFileSync(join(project, 'src.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    const changes = unwrap(await core.api.call('changes.get', { sessionId }));
    expect(changes.files.map((file) => [file.path, file.kind])).toEqual([
      ['new.txt', 'added'],
      ['src.txt', 'modified'],
    ]);
    expect(changes.files.every((file) => file.attribution?.turnId === turn.id && file.attribution.agentId === 'scripted')).toBe(true);
    expect(seen).toContain(sessionId);
    const hunk = changes.files.find((file) => file.path === 'src.txt')?.hunks[0]?.id ?? '';
    const applied = unwrap(await core.api.call('changes.apply', { sessionId, selection: { hunkIds: [hunk] } }));
    expect(applied.appliedFiles).toEqual(['src.txt']);
    expect(readFileSync(join(project, 'src.txt'), 'utf8')).toBe('one\nTWO\nthree\n');
    expect(existsSync(join(project, 'new.txt'))).toBe(false);
    expect(unwrap(await core.api.call('changes.get', { sessionId })).files.map((file) => file.path)).toEqual(['new.txt']);
  });

  test('archiving with pending changes is refused until confirmed; restore brings the session and its files back', async () => {
    const core = testCore();
    const project = gitProject();
    const { chatId, sessionId, cwd } = await setupChat(core, { default: { steps: [{ type: 'echo' }] } }, { folder: project });
    writeFileSync(join(cwd, 'draft.md'), 'unapplied work\n');
    await sendAndWait(core, chatId, 'record the turn');
    expect(await core.api.call('sessions.archive', { sessionId })).toMatchObject({ ok: false, error: { kind: 'unapplied-changes' } });
    expect(git(project, 'for-each-ref', '--format=%(refname)', 'refs/boocode/archive/')).toContain(sessionId);
    const archived = unwrap(await core.api.call('sessions.archive', { sessionId, confirm: true }));
    expect(archived.archivedAt).not.toBeNull();
    expect(existsSync(cwd)).toBe(false);
    expect(await core.api.call('chats.send', { chatId, text: 'hi' })).toMatchObject({ ok: false, error: { kind: 'invalid-state' } });
    const restored = unwrap(await core.api.call('sessions.restore', { sessionId }));
    expect(restored.archivedAt).toBeNull();
    expect(readFileSync(join(restored.cwd, 'draft.md'), 'utf8')).toBe('unapplied work\n');
  });

  test('a non-git folder works in place, is flagged, and has no change set', async () => {
    const core = testCore();
    const folder = tempDir();
    const { sessionId, cwd } = await setupChat(core, { default: { steps: [{ type: 'echo' }] } }, { folder });
    expect(cwd).toBe(folder);
    expect(unwrap(await core.api.call('sessions.workspace', { sessionId }))).toMatchObject({ kind: 'folder', path: folder });
    expect(await core.api.call('changes.get', { sessionId })).toMatchObject({ ok: false, error: { kind: 'invalid-arguments', message: expect.stringContaining('works directly in') } });
  });

  test('a project that has become a bare repository gets no session, and nothing is written into it', async () => {
    const core = testCore();
    const folder = tempDir('boo-bare-');
    const opened = unwrap(await core.api.call('projects.open', { path: folder }));
    git(folder, 'init', '--quiet', '--bare');
    const before = readdirSync(folder).sort();
    expect(await core.api.call('sessions.create', { projectId: opened.id })).toMatchObject({
      ok: false,
      error: { kind: 'not-a-directory', message: expect.stringContaining('is a bare git repository') },
    });
    expect(unwrap(await core.api.call('sessions.list', { projectId: opened.id }))).toEqual([]);
    expect(readdirSync(folder).sort()).toEqual(before);
  });

  test('a project\'s setup copies untracked files and runs its command in each new worktree', async () => {
    const core = testCore();
    const project = gitProject();
    writeFileSync(join(project, '.env'), 'SECRET=1\n');
    const opened = unwrap(await core.api.call('projects.open', { path: project }));
    unwrap(await core.api.call('projects.configure', { projectId: opened.id, setup: { copyFiles: ['.env'], command: 'echo prepared > setup-ran.txt' } }));
    const session = unwrap(await core.api.call('sessions.create', { projectId: opened.id }));
    expect(readFileSync(join(session.cwd, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(join(session.cwd, 'setup-ran.txt'), 'utf8').trim()).toBe('prepared');
    expect(unwrap(await core.api.call('sessions.workspace', { sessionId: session.id }))).toMatchObject({ setup: { copiedFiles: ['.env'], isCommandOk: true } });
  });
});

describe('boocode changes and apply', () => {
  test('`boocode run` followed by `boocode changes --json` shows the turn\'s edits, and `boocode apply` lands them', async () => {
    const dataDir = tempDir();
    const project = gitProject();
    {
      const core = createCore({ dataDir });
      // The agent edits a file relative to its working directory through the client's fs.
      const { command, args, env } = scriptedAgentCommand({ default: { steps: [{ type: 'terminal', command: 'printf', args: ['changed\\n'] }, { type: 'text', text: 'ok' }] } });
      unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
      await core.close();
    }
    const run = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--json', 'edit']);
    expect(run.code, run.stderr).toBe(0);
    const started = jsonLines(run.stdout)[0] as { sessionId: string; cwd: string };
    // Edits made in the worktree between turns are part of the next recorded turn; make one and record it.
    writeFileSync(join(started.cwd, 'src.txt'), 'one\ntwo\nthree\nfour\n');
    const second = await boocode(['run', '--data-dir', dataDir, '--project', project, '--session', started.sessionId, '--agent', 'scripted', '--json', 'again']);
    expect(second.code, second.stderr).toBe(0);
    const changes = await boocode(['changes', '--data-dir', dataDir, '--session', started.sessionId, '--json']);
    expect(changes.code, changes.stderr).toBe(0);
    const set = JSON.parse(changes.stdout) as { files: { path: string; additions: number; attribution: { agentId: string } | null }[] };
    expect(set.files).toMatchObject([{ path: 'src.txt', additions: 1, attribution: { agentId: 'scripted' } }]);
    const text = await boocode(['changes', '--data-dir', dataDir, '--session', started.sessionId]);
    expect(text.stdout).toMatch(/modified\s+src\.txt\s+\+1 -0/);
    writeFileSync(join(project, 'src.txt'), 'ONE\ntwo\nTHREE\n');
    const conflict = await boocode(['apply', '--data-dir', dataDir, '--session', started.sessionId]);
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toContain('src.txt');
    expect(readFileSync(join(project, 'src.txt'), 'utf8')).toBe('ONE\ntwo\nTHREE\n');
    git(project, 'checkout', '--', 'src.txt');
    const applied = await boocode(['apply', '--data-dir', dataDir, '--session', started.sessionId]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(readFileSync(join(project, 'src.txt'), 'utf8')).toBe('one\ntwo\nthree\nfour\n');
  });
});

describe('boocode changes in a terminal', () => {
  test('`boocode changes` quotes a file name holding an escape sequence and a newline; --json keeps it exact', async () => {
    const dataDir = tempDir();
    const project = gitProject();
    const hostile = 'red\x1b[31m\nname.txt';
    {
      const core = createCore({ dataDir });
      const script = `printf 'x\\n' > "$(printf 'red\\033[31m\\nname.txt')" && mv src.txt "$(printf 'moved\\033[0m.txt')"`;
      const { command, args, env } = scriptedAgentCommand({ default: { steps: [{ type: 'terminal', command: 'sh', args: ['-c', script] }, { type: 'text', text: 'ok' }] } });
      unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
      await core.close();
    }
    const run = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--json', 'odd names']);
    expect(run.code, run.stderr).toBe(0);
    const { sessionId } = jsonLines(run.stdout)[0] as { sessionId: string };

    const text = await boocode(['changes', '--data-dir', dataDir, '--session', sessionId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toContain('\x1b');
    expect(text.stdout).toContain('added     "red\\033[31m\\nname.txt"  +1 -0');
    expect(text.stdout).toContain('renamed   src.txt → "moved\\033[0m.txt"');
    expect(text.stdout.split('\n').filter((line) => line.startsWith('added') || line.startsWith('renamed'))).toHaveLength(2);

    const json = await boocode(['changes', '--data-dir', dataDir, '--session', sessionId, '--json']);
    const set = JSON.parse(json.stdout) as { files: { path: string; oldPath: string | null }[] };
    expect(set.files.map((file) => [file.oldPath, file.path]).sort()).toEqual([
      [null, hostile],
      ['src.txt', 'moved\x1b[0m.txt'],
    ]);
  });
});

describe('boocode apply of files in new folders', () => {
  test('`boocode apply --file` lands a file in a new folder, and one whose folder replaced a file of the same name', async () => {
    const dataDir = tempDir();
    const project = gitProject();
    writeFileSync(join(project, 'dir'), 'a file that becomes a folder\n');
    git(project, 'add', 'dir');
    git(project, 'commit', '--quiet', '-m', 'dir');
    {
      const core = createCore({ dataDir });
      const script = 'mkdir -p fresh/deeper && printf "fresh\\n" > fresh/deeper/new-file && rm dir && mkdir dir && printf "new\\n" > dir/new-file';
      const { command, args, env } = scriptedAgentCommand({ default: { steps: [{ type: 'terminal', command: 'sh', args: ['-c', script] }, { type: 'text', text: 'ok' }] } });
      unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
      await core.close();
    }
    const run = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--json', 'make folders']);
    expect(run.code, run.stderr).toBe(0);
    const { sessionId } = jsonLines(run.stdout)[0] as { sessionId: string };

    const fresh = await boocode(['apply', '--data-dir', dataDir, '--session', sessionId, '--file', 'fresh/deeper/new-file']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('Applied 1 file(s): fresh/deeper/new-file');
    expect(readFileSync(join(project, 'fresh/deeper/new-file'), 'utf8')).toBe('fresh\n');

    const replaced = await boocode(['apply', '--data-dir', dataDir, '--session', sessionId, '--file', 'dir/new-file']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain('Applied 2 file(s): dir/new-file, dir\n0 file(s) still pending.');
    expect(readFileSync(join(project, 'dir/new-file'), 'utf8')).toBe('new\n');
  });
});

describe('change sets from agents\' turns', () => {
  test('a scripted agent that creates, edits, deletes, renames and writes a binary file, then a second agent, give a change set attributed per hunk', async () => {
    const core = testCore();
    const project = join(tempDir('boo-git-'), 'app');
    mkdirSync(project);
    initRepo(project);
    const numbered = (count: number, changes: Record<number, string> = {}) =>
      Array.from({ length: count }, (_, i) => changes[i + 1] ?? `line ${i + 1}`).join('\n') + '\n';
    writeFileSync(join(project, 'edit.txt'), numbered(40));
    writeFileSync(join(project, 'gone.txt'), 'bye\n');
    writeFileSync(join(project, 'old-name.txt'), numbered(12));
    git(project, 'add', '.');
    git(project, 'commit', '--quiet', '-m', 'files');
    // Each agent works through terminal requests, which BooCode runs in the session's worktree.
    const shell = (script: string) => ({ type: 'terminal' as const, command: 'sh', args: ['-c', script] });
    const first = scriptedAgentCommand({
      default: {
        steps: [
          shell(`printf 'fresh\\n' > new.txt && sed -i 's/^line 3$/third/' edit.txt && rm gone.txt && mv old-name.txt new-name.txt && printf '\\211PNG\\000\\001' > image.bin`),
          { type: 'text', text: 'first agent done' },
        ],
      },
    });
    const second = scriptedAgentCommand({ default: { steps: [shell(`sed -i 's/^line 35$/thirty-five/' edit.txt`), { type: 'text', text: 'second agent done' }] } });
    unwrap(await core.api.call('agents.add', { agent: { id: 'alpha', name: 'Alpha', command: first.command, args: first.args, env: first.env } }));
    unwrap(await core.api.call('agents.add', { agent: { id: 'beta', name: 'Beta', command: second.command, args: second.args, env: second.env } }));
    const opened = unwrap(await core.api.call('projects.open', { path: project }));
    const session = unwrap(await core.api.call('sessions.create', { projectId: opened.id }));
    const chat = unwrap(await core.api.call('chats.create', { sessionId: session.id, agentId: 'alpha' }));
    const updates: string[] = [];
    core.subscribe({ afterSeq: 0 }, (message) => {
      if (message.kind === 'event' && message.event.type === 'changes.updated') updates.push(message.event.summary.turnId ?? '');
    });
    const one = await sendAndWait(core, chat.id, 'make the changes');
    await expect.poll(() => updates).toContain(one.id);
    const two = await sendAndWait(core, chat.id, 'one more edit', { agent: 'beta' });
    await expect.poll(() => updates).toContain(two.id);

    const { files } = unwrap(await core.api.call('changes.get', { sessionId: session.id }));
    const byPath = new Map(files.map((file) => [file.path, file]));
    expect([...byPath.keys()].sort()).toEqual(['edit.txt', 'gone.txt', 'image.bin', 'new-name.txt', 'new.txt']);
    expect(byPath.get('new.txt')).toMatchObject({ kind: 'added', additions: 1, attribution: { agentId: 'alpha', turnId: one.id } });
    expect(byPath.get('gone.txt')).toMatchObject({ kind: 'deleted', attribution: { agentId: 'alpha' } });
    expect(byPath.get('new-name.txt')).toMatchObject({ kind: 'renamed', oldPath: 'old-name.txt' });
    expect(byPath.get('image.bin')).toMatchObject({ kind: 'added', isBinary: true });
    const edit = byPath.get('edit.txt');
    expect(edit?.hunks.map((hunk) => [hunk.lines.filter((line) => line.startsWith('+')), hunk.attribution?.agentId])).toEqual([
      [['+third'], 'alpha'],
      [['+thirty-five'], 'beta'],
    ]);
    expect(edit?.attribution).toMatchObject({ agentId: 'beta', turnId: two.id });
  });
});
