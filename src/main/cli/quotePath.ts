// File names as the CLI prints them to a terminal. An agent can create any name, and one with an
// escape sequence in it would drive the user's terminal (colours, cursor moves, a fake prompt)
// and one with a newline would forge lines of output. Such names are C-style quoted in double
// quotes, as git does for "unusual" paths: core.quotePath's rules with the setting off, so names
// in other scripts stay readable. C1 controls (U+0080–U+009F) are escaped too, as the octal of
// their UTF-8 bytes, because some terminals act on them as they do on ESC; git does not.

const named: Readonly<Record<number, string>> = { 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x22: '"', 0x5c: '\\' };

// eslint-disable-next-line no-control-regex
const unusual = /[\u0000-\u001f"\\\u007f-\u009f]/;

/** `path` unchanged when it is plain; otherwise C-style quoted in double quotes. */
export function quotePath(path: string): string {
  if (!unusual.test(path)) return path;
  let quoted = '"';
  for (const character of path) {
    const code = character.codePointAt(0) ?? 0;
    const name = named[code];
    if (name !== undefined) quoted += `\\${name}`;
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) quoted += octalBytes(character);
    else quoted += character;
  }
  return `${quoted}"`;
}

function octalBytes(character: string): string {
  return [...Buffer.from(character, 'utf8')].map((byte) => `\\${byte.toString(8).padStart(3, '0')}`).join('');
}
