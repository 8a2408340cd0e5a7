// The desktop app brings its window forward when `boocode open` or a second launch asks the
// core to reveal a folder — live requests only, not ones replayed from before it listened.
import { describe, expect, test } from 'vitest';
import type { Project } from '../../../src/shared/contract.ts';
import { followRevealRequests } from '../../../src/main/shell/revealRequests.ts';
import { unwrap } from '../../helpers/chats.ts';
import { testCore } from '../../helpers/core.ts';
import { tempDir } from '../../helpers/tempDir.ts';

describe('reveal requests', () => {
  test('a reveal after the app started following brings it forward with that project; one from before does not', async () => {
    const core = testCore();
    const before = tempDir('boo-before-');
    unwrap(await core.api.call('projects.reveal', { path: before }));
    const revealed: Project[] = [];
    const stop = followRevealRequests(core, (project) => revealed.push(project));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const folder = tempDir('boo-after-');
    const project = unwrap(await core.api.call('projects.reveal', { path: folder }));
    await expect.poll(() => revealed.map((entry) => entry.id)).toEqual([project.id]);
    stop();
    unwrap(await core.api.call('projects.reveal', { path: folder }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(revealed).toHaveLength(1);
  });
});
