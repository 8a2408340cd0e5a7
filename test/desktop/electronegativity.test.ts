// The security gate: @doyensec/electronegativity scans the app's source (the shell, the preload,
// the renderer) for Electron misconfigurations. It always exits 0, so the gate reads its report:
// no high finding, and no medium one but its standing "review the use of preload scripts".
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/tempDir.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
/** The Electron version in package.json; the scan judges the settings against it. */
const electronVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.electron ?? '';

interface Finding {
  readonly check: string;
  readonly severity: string;
  readonly confidence: string;
  readonly file: string;
  readonly location: string;
  readonly sample: string;
}

/** The one medium finding every app with a preload gets: a reminder to review it, not a flaw. */
const standingNotices = new Set(['PRELOAD_JS_CHECK']);

describe('the Electron security scan', () => {
  test('electronegativity finds nothing high and nothing medium beyond its standing preload notice', () => {
    const report = join(tempDir('boo-scan-'), 'electronegativity.csv');
    // Its report writes race; sync-writes.mjs puts them in order.
    const scan = spawnSync(process.execPath, ['--import', pathToFileURL(join(repoRoot, 'test/fixtures/sync-writes.mjs')).href, join(repoRoot, 'node_modules/.bin/electronegativity'), '-i', 'src', '-r', '-e', electronVersion, '-o', report], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(scan.error).toBeUndefined();
    const findings = readReport(report);
    const summary = findings.map((finding) => `${finding.severity} ${finding.check} ${finding.file}:${finding.location} ${finding.sample}`);
    // Printed so that `npm test` shows what the scan saw, not only whether it passed.
    console.log(`electronegativity ${electronVersion}: ${findings.length} finding(s)\n${summary.join('\n')}`);
    expect(findings.filter((finding) => finding.severity === 'HIGH' || finding.severity === 'CRITICAL'), summary.join('\n')).toEqual([]);
    expect(findings.filter((finding) => finding.severity === 'MEDIUM' && !standingNotices.has(finding.check)), summary.join('\n')).toEqual([]);
    // The scan did run over the shell: its preload notice is there.
    expect(findings.some((finding) => finding.check === 'PRELOAD_JS_CHECK' && finding.file.endsWith('shell/window.ts'))).toBe(true);
  });
});

function readReport(file: string): Finding[] {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  expect(header?.map((cell) => cell.trim())).toEqual(['issue', 'severity', 'confidence', 'filename', 'location', 'sample', 'description', 'url']);
  return rows
    .filter((row) => row.length > 1)
    .map(([check = '', severity = '', confidence = '', fileName = '', location = '', sample = '']) => ({ check, severity, confidence, file: fileName, location, sample }));
}

/**
 * RFC 4180 CSV as electronegativity writes it: quoted fields may hold commas, doubled quotes and
 * newlines (a code sample). Small enough that a dependency would be more code than this.
 */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let isQuoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (isQuoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        isQuoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      isQuoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}
