// The UI benchmarks' rig: a core and `serve` in this process (so a benchmark can publish events
// and prepare data directly), the built renderer plus the baseline pages of bench/pages, and
// headless Chromium.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createCore, type Core } from '../src/main/core/index.ts';
import { startServer, type RunningServer } from '../src/main/serve/index.ts';
import { launchChromium } from '../test/helpers/browser.ts';

const repoRoot = join(import.meta.dirname, '..');

export interface UiRig {
  readonly root: string;
  readonly core: Core;
  readonly server: RunningServer;
  readonly browser: Browser;
  /** Opens the app and waits until it is connected and loaded. */
  openApp(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startUiRig(coreOptions: { replayCapacity?: number } = {}): Promise<UiRig> {
  const root = mkdtempSync(join(tmpdir(), 'boo-bench-ui-'));
  const rendererDir = join(root, 'renderer');
  cpSync(join(repoRoot, 'out/renderer'), rendererDir, { recursive: true });
  cpSync(join(import.meta.dirname, 'pages'), join(rendererDir, 'bench'), { recursive: true });
  const core = createCore({ dataDir: join(root, 'data'), ...coreOptions });
  const started = await startServer({ core, rendererDir });
  if (!started.ok) throw new Error(started.error.message);
  const server = started.value;
  const browser = await launchChromium();
  return {
    root,
    core,
    server,
    browser,
    async openApp(viewport = { width: 1400, height: 900 }) {
      const page = await browser.newPage({ viewport });
      await page.goto(server.url);
      await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
      await core.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
