// Headless Chromium for end-to-end tests, driven by playwright-core. The browser is the
// system's (Debian's `chromium`), never a downloaded one; the flags keep it off the network.
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const found = candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
  if (!found) {
    throw new Error('No Chromium found for the end-to-end tests: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.');
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface OpenAppOptions {
  /** Page errors and console errors land here; a test checks it is empty at its end. */
  readonly errors: string[];
  /** The page is added here, for the test to close. */
  readonly pages: Page[];
  /** For a new page of a browser; a context's pages take the context's viewport. */
  readonly viewport?: { width: number; height: number };
  /** How long a step may wait before it fails naming what it waited for. */
  readonly defaultTimeoutMs?: number;
}

/** The app at `url` in a new page, once it says it is connected to its core. */
export async function openAppPage(target: Browser | BrowserContext, url: string, options: OpenAppOptions): Promise<Page> {
  const page = 'newContext' in target ? await target.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } }) : await target.newPage();
  options.pages.push(page);
  if (options.defaultTimeoutMs !== undefined) page.setDefaultTimeout(options.defaultTimeoutMs);
  page.on('pageerror', (error) => options.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') options.errors.push(message.text());
  });
  await page.goto(url);
  await expect.poll(() => page.getByRole('status', { name: 'Connection' }).textContent()).toBe('Connected');
  return page;
}
