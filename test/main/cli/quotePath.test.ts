import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { quotePath } from '../../../src/main/cli/quotePath.ts';
import { tempDir } from '../../helpers/tempDir.ts';

describe('quotePath', () => {
  test('leaves plain names alone, spaces and letters of any script included', () => {
    for (const name of ['src/index.ts', 'with space.txt', 'dïr/fé.txt', '日本語/ファイル.md', "it's.txt"]) expect(quotePath(name)).toBe(name);
  });

  test('quotes a name with an escape sequence and a newline so that neither reaches the terminal', () => {
    expect(quotePath('red\x1b[31m\nname.txt')).toBe('"red\\033[31m\\nname.txt"');
  });

  test('escapes C1 controls as the octal of their UTF-8 bytes, since terminals act on them too', () => {
    expect(quotePath('csi\u009b31m.txt')).toBe('"csi\\302\\23331m.txt"');
  });

  test('quotes each unusual character the way git does with core.quotePath off', () => {
    const folder = tempDir();
    execFileSync('git', ['init', '--quiet'], { cwd: folder });
    const names = ['tab\there', 'bell\x07back\x08', 'cr\rff\fvt\v', 'quote"back\\slash', 'del\x7f', 'nul-less\x01\x1f', 'plain é'];
    for (const name of names) writeFileSync(join(folder, name), '');
    const listed = execFileSync('git', ['-c', 'core.quotePath=false', 'ls-files', '--others'], { cwd: folder, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(names.map(quotePath).sort()).toEqual(listed.sort());
  });
});
