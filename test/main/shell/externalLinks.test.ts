// Links out of the app: only web pages open, in the user's browser, as one argument to the
// platform's opener, never through a shell.
import { describe, expect, test } from 'vitest';
import { browserCommand, webUrlOf } from '../../../src/main/shell/externalLinks.ts';

describe('external links', () => {
  test('http and https pages open; every other scheme, credentials and overlong links do not', () => {
    expect(webUrlOf('https://github.com/acme/web/pull/7')?.href).toBe('https://github.com/acme/web/pull/7');
    expect(webUrlOf('http://localhost:5173/')?.href).toBe('http://localhost:5173/');
    for (const refused of ['file:///etc/passwd', 'smb://share/x', 'javascript:alert(1)', 'vscode://file/x', 'ms-msdt:/id', 'https://user:pw@example.com/', 'not a url', `https://example.com/${'a'.repeat(5000)}`]) {
      expect(webUrlOf(refused), refused).toBeUndefined();
    }
  });

  test("each platform's opener gets the escaped URL as a single argument", () => {
    const url = webUrlOf('https://example.com/a b"c\'d;rm -rf ~')!;
    expect(browserCommand(url, 'linux')).toEqual({ command: 'xdg-open', args: ['https://example.com/a%20b%22c\'d;rm%20-rf%20~'] });
    expect(browserCommand(url, 'darwin')).toEqual({ command: '/usr/bin/open', args: [url.href] });
    expect(browserCommand(url, 'win32')).toEqual({ command: 'explorer.exe', args: [url.href] });
    expect(url.href.startsWith('https://')).toBe(true);
  });
});
