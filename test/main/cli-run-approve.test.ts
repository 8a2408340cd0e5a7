// `boocode run --approve`: automatic answers are once-answers, whatever order the agent lists its
// options in (gemini lists "Allow for this session" first, and refuses it in a new worktree).
import { describe, expect, test } from 'vitest';
import { createCore } from '../../src/main/core/index.ts';
import { scriptedAgentCommand } from '../fixtures/scripted-acp-agent.ts';
import { reports } from '../helpers/agents.ts';
import { boocode } from '../helpers/cli.ts';
import { unwrap } from '../helpers/chats.ts';
import { tempDir } from '../helpers/tempDir.ts';

describe('boocode run --approve with an agent that offers its "always" options first', () => {
  test('allow answers "allow once" and reject answers "reject once"', async () => {
    const dataDir = tempDir();
    const core = createCore({ dataDir });
    const { command, args, env } = scriptedAgentCommand({
      refuseAlways: 'Cannot enable privileged approval modes in an untrusted folder',
      default: { steps: [{ type: 'permission', toolCallId: 'p1', title: 'WriteFile notes.md', kind: 'edit', alwaysFirst: true }, { type: 'text', text: 'after asking' }] },
    });
    unwrap(await core.api.call('agents.add', { agent: { id: 'scripted', name: 'Scripted', command, args, env } }));
    await core.close();
    const project = tempDir();
    const allowed = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--approve', 'allow', 'write the notes']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(reports(allowed.stdout, 'permission')).toEqual([{ outcome: 'allowed', optionId: 'allow-once' }]);
    expect(allowed.stdout).toContain('after asking');
    const rejected = await boocode(['run', '--data-dir', dataDir, '--project', project, '--agent', 'scripted', '--approve', 'reject', 'write the notes']);
    expect(reports(rejected.stdout, 'permission')).toEqual([{ outcome: 'rejected', optionId: 'reject-once' }]);
  });
});
