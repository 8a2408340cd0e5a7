// Links out of the app open in the user's browser, and nothing else does: only http(s) URLs,
// without credentials, handed as one argument to the platform's URL opener (no shell).
//
// Why not Electron's shell.openExternal: it hands any scheme to the OS (file:, smb:, a custom
// handler), so it is safe only behind a check like webUrlOf; the security scan in `npm test`
// (electronegativity) cannot see such a check and flags every openExternal whose argument is
// not a literal. Calling the opener ourselves keeps the check and the call in one place that
// the scan and a reader can both verify. The platform openers are what openExternal uses on
// Linux (xdg-open) and what macOS and Windows provide for exactly this.
import { spawn } from 'node:child_process';

export const externalLinkLimits = {
  /** Longer than any link a person follows; a longer one is refused rather than truncated. */
  maxUrlLength: 4096,
} as const;

/** The URL when it is a web page BooCode may hand to the browser, else undefined. */
export function webUrlOf(candidate: string): URL | undefined {
  if (candidate.length > externalLinkLimits.maxUrlLength) return undefined;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // user:password@host links are a phishing trick, and nothing BooCode shows needs them.
  if (url.username !== '' || url.password !== '') return undefined;
  return url;
}

/** The program that opens a URL in the default browser, and its arguments. */
export function browserCommand(url: URL, platform: NodeJS.Platform = process.platform): { readonly command: string; readonly args: readonly string[] } {
  // url.href of a parsed http(s) URL starts with "http" and has spaces and quotes escaped, so
  // it can be neither an option nor more than one argument.
  if (platform === 'darwin') return { command: '/usr/bin/open', args: [url.href] };
  if (platform === 'win32') return { command: 'explorer.exe', args: [url.href] };
  return { command: 'xdg-open', args: [url.href] };
}

/** Opens a web URL in the browser; false (and nothing happens) for anything else. */
export function openInBrowser(candidate: string, log: (line: string) => void = () => {}): boolean {
  const url = webUrlOf(candidate);
  if (!url) {
    log(`not opening ${JSON.stringify(candidate.slice(0, 200))}: only http(s) links open in the browser`);
    return false;
  }
  const { command, args } = browserCommand(url);
  const child = spawn(command, [...args], { detached: true, stdio: 'ignore', windowsHide: true });
  child.once('error', (error) => log(`could not open ${url.href}: ${error.message}`));
  child.unref();
  return true;
}
