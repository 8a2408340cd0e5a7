// The page's Content-Security-Policy: no inline script, no remote origin, in the policy itself,
// in the page the build writes (Electron's file:// page has no headers) and on `serve`'s responses.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { contentSecurityPolicy, contentSecurityPolicyHeader } from '../../src/shared/csp.ts';
import { testServer } from '../helpers/serve.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words): words is [string, ...string[]] => words[0] !== undefined && words[0] !== '')
      .map(([name, ...sources]) => [name, sources]),
  );
}

/** A source that lets the page reach beyond its own origin. */
function isRemote(source: string): boolean {
  return source === '*' || /^(https?|wss?|ftp|blob|filesystem):?$/i.test(source) || /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+/i.test(source);
}

describe('the content security policy', () => {
  test('scripts come only from the app itself: no inline or eval, and no directive names a remote origin', () => {
    const policy = directives(contentSecurityPolicy);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    for (const [name, sources] of policy) {
      for (const source of sources) expect(isRemote(source), `${name} ${source}`).toBe(false);
      if (name.startsWith('script')) expect(sources.filter((source) => /unsafe|nonce|sha\d+-/.test(source)), name).toEqual([]);
    }
    expect(contentSecurityPolicyHeader).toBe(`${contentSecurityPolicy}; frame-ancestors 'none'`);
  });

  test('the built page carries the policy and no inline script', () => {
    const page = join(repoRoot, 'out/renderer/index.html');
    expect(existsSync(page), 'run `npm run build` before this test').toBe(true);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}" />`);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(attributes).toMatch(/\bsrc="\.\//);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+="/i);
  });

  test('serve sends the policy, with framing refused, on the page it serves', async () => {
    const { server } = await testServer();
    const response = await fetch(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicyHeader);
  });
});
