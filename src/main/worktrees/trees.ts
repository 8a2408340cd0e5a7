// The tree object of a private index, written into a pack. `git write-tree` can only write loose
// objects: one file per changed directory, and after a turn that touched files all over a large
// repository, creating those few hundred files was most of the cost of recording the turn.
// `git fast-import` writes the same trees into one pack: it starts from a tree the index was
// staged over and takes only the entries that differ from it, as a raw diff lists them.
import { parseRaw, type RawEntry } from './diff.ts';
import { git, objectWriterEnv } from './git.ts';

/** Where fast-import's throwaway commit points while it runs; the stream deletes it again. */
const captureRef = (sessionId: string) => `refs/boocode/capture/${sessionId}`;

const absentOid = /^0+$/;

/**
 * The tree of everything staged in `indexFile`. `base` is a tree the index was staged over (the
 * last snapshot): only what differs from it is written, the rest is shared.
 */
export async function writeIndexTree(repo: string, indexFile: string, base: string, sessionId: string): Promise<string> {
  // latin1 maps each byte to one character and back, so paths in any encoding reach fast-import unchanged.
  const raw = await git(repo, ['diff-index', '--cached', '--no-renames', '-z', '--raw', base], { env: { GIT_INDEX_FILE: indexFile }, encoding: 'latin1' });
  const changes = parseRaw(raw);
  return changes.length === 0 ? base : writeTree(repo, base, changes, sessionId);
}

/**
 * The tree `base` with `changes` made to it: raw records of a diff from `base` (paths as latin1,
 * byte for byte), renames included. fast-import starts at once and reads its commands when
 * `changes` settles, so a caller can start it before it knows them; when `changes` rejects,
 * nothing is written and this rejects too.
 */
export async function writeTree(repo: string, base: string, changes: readonly RawEntry[] | Promise<readonly RawEntry[]>, sessionId: string): Promise<string> {
  const commands = Promise.resolve(changes).then(fileCommands);
  const ref = captureRef(sessionId);
  const stream = commands.then((lines) => {
    // Nothing differs: the tree is `base`, and fast-import is told to end without writing.
    if (lines.length === 0) return Buffer.from('done\n');
    const text = [
      `commit ${ref}`,
      'mark :1',
      'committer BooCode <boocode@localhost> 0 +0000',
      'data 0',
      `M 040000 ${base} ""`,
      ...lines,
      '',
      'ls :1 ""',
      // A reset without a commit deletes the branch when the stream ends, so no ref is left behind;
      // the tree is kept by the snapshot ref its caller sets.
      `reset ${ref}`,
      'done',
      '',
    ].join('\n');
    return Buffer.from(text, 'latin1');
  });
  const printed = await git(
    repo,
    // pack.compression=0: zlib at its default level doubled the time; gc compresses these
    // trees as deltas of one another anyway. unpackLimit=0 keeps a user's setting from turning
    // the pack back into loose objects.
    ['-c', 'pack.compression=0', '-c', 'fastimport.unpackLimit=0', 'fast-import', '--quiet', '--done'],
    { input: stream, env: objectWriterEnv() },
  );
  if ((await commands).length === 0) return base;
  const tree = /^040000 tree ([0-9a-f]+)\t/m.exec(printed)?.[1];
  if (tree === undefined) throw new Error(`git fast-import printed no tree: ${printed.slice(0, 200)}`);
  return tree;
}

/**
 * fast-import file commands, one per path that differs. Every deletion comes first: a rename's
 * source is listed where its destination sorts, and deleting it there could remove a folder of
 * the same name that an earlier command just made.
 */
function fileCommands(changes: readonly RawEntry[]): string[] {
  const deletions: string[] = [];
  const writes: string[] = [];
  for (const change of changes) {
    if (change.status === 'U') throw new Error(`The private index holds an unmerged entry: ${change.path}`);
    if (change.oldPath !== null && change.status === 'R') deletions.push(`D ${quoted(change.oldPath)}`);
    if (change.status === 'D' || absentOid.test(change.newOid)) deletions.push(`D ${quoted(change.path)}`);
    else writes.push(`M ${change.newMode} ${change.newOid} ${quoted(change.path)}`);
  }
  return [...deletions, ...writes];
}

// fast-import reads a path to the end of its line, or C-style quoted when it starts with a quote.
function quoted(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/^"|[\n\\\x00-\x1f\x7f]/.test(path)) return path;
  let text = '"';
  for (let index = 0; index < path.length; index += 1) {
    const byte = path.charCodeAt(index);
    if (byte === 0x22) text += '\\"';
    else if (byte === 0x5c) text += '\\\\';
    else if (byte === 0x0a) text += '\\n';
    else if (byte < 0x20 || byte === 0x7f) text += `\\${byte.toString(8).padStart(3, '0')}`;
    else text += path.charAt(index);
  }
  return `${text}"`;
}
