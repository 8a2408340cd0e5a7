// `npm test`: type-check, lint, build, then every vitest project (unit, agents, chaos, desktop —
// the Electron security scan and the packaging checks —, e2e). Ends with
// one plain line `N passed, N failed, N skipped` counting the tests plus the three checks, so
// that any CI can read the outcome; exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const report = join(root, 'test-output', 'vitest.json');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const checks: Step[] = [
  { name: 'typecheck (node)', command: bin('tsc'), args: ['-p', 'tsconfig.node.json', '--noEmit'] },
  { name: 'typecheck (web)', command: bin('tsc'), args: ['-p', 'tsconfig.web.json', '--noEmit'] },
  { name: 'lint', command: bin('eslint'), args: ['--max-warnings', '0', '.'] },
  { name: 'build', command: bin('electron-vite'), args: ['build'] },
];

let passed = 0;
let failed = 0;
let skipped = 0;

for (const step of checks) {
  process.stdout.write(`\n== ${step.name}\n`);
  const result = spawnSync(step.command, step.args, { cwd: root, stdio: 'inherit' });
  if (result.status === 0) passed += 1;
  else {
    failed += 1;
    process.stdout.write(`!! ${step.name} failed\n`);
  }
}

process.stdout.write('\n== tests\n');
mkdirSync(join(root, 'test-output'), { recursive: true });
rmSync(report, { force: true });
const extra = process.argv.slice(2);
const vitest = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], {
  cwd: root,
  stdio: 'inherit',
});
if (existsSync(report)) {
  const summary = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numTotalTestSuites: number;
    numFailedTestSuites: number;
  };
  passed += summary.numPassedTests;
  failed += summary.numFailedTests;
  skipped += summary.numPendingTests + summary.numTodoTests;
  // A file that fails to load has no failed test, only a failed suite: count it too.
  if (summary.numFailedTests === 0 && vitest.status !== 0) failed += Math.max(1, summary.numFailedTestSuites);
} else {
  failed += 1;
  process.stdout.write('!! vitest produced no report\n');
}

process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed === 0 && vitest.status === 0 ? 0 : 1;
