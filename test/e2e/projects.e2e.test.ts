import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { initRepo } from '../helpers/git.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serveProcess.ts';
import { tempDir } from '../helpers/tempDir.ts';

const outputDir = join(import.meta.dirname, '../../test-output/e2e');

describe('browser mode, against `boocode serve`', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('a project opened by path is listed, and still listed after a reload', async () => {
    const serve: ServeProcess = await startServeProcess(tempDir('boo-e2e-data-'));
    try {
      const repo = join(tempDir('boo-e2e-'), 'acme-web');
      mkdirSync(repo);
      initRepo(repo, 'main');
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });

      await page.goto(serve.url);
      const connection = page.getByRole('status', { name: 'Connection' });
      await expect.poll(() => connection.textContent()).toBe('Connected');
      await page.getByLabel('Folder path').fill(repo);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      const sidebar = page.getByRole('navigation', { name: 'Projects and sessions' });
      await sidebar.getByRole('region', { name: 'Project acme-web' }).waitFor();
      await page.getByRole('region', { name: 'acme-web', exact: true }).getByText('main', { exact: true }).waitFor();
      await page.screenshot({ path: join(outputDir, 'workspace.png') });

      await page.reload();
      await expect.poll(() => connection.textContent()).toBe('Connected');
      await sidebar.getByRole('region', { name: 'Project acme-web' }).waitFor();
      expect(await sidebar.getByRole('region').count()).toBe(1);

      await page.getByRole('button', { name: 'Open a project' }).click();
      await page.getByLabel('Folder path').fill(join(repo, 'does-not-exist'));
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await page.getByText('does not exist').waitFor();

      await page.screenshot({ path: join(outputDir, 'projects.png') });
      expect(pageErrors, pageErrors.join("\n")).toEqual([]);
      await page.close();
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  test('the page refuses to load without the token', async () => {
    const serve = await startServeProcess(tempDir('boo-e2e-data-'));
    try {
      const page = await browser.newPage();
      const response = await page.goto(`http://127.0.0.1:${serve.port}/`);
      expect(response?.status()).toBe(401);
      await page.close();
    } finally {
      await serve.stop();
    }
  });
});
