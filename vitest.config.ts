import { defineConfig } from 'vitest/config';

// Projects that can each be run alone: `unit` is fast and hermetic, `agents` starts real agent
// processes against the scripted LLM, `chaos` drives a core through a minute of random failures,
// `desktop` checks the shipped app (security scan, CSP, packaging), `e2e` drives Chromium against
// a built `serve`.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/shared/**/*.test.ts', 'test/main/**/*.test.ts', 'test/renderer/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'agents',
          include: ['test/testkit/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The desktop app as it ships: the Electron security scan, the page's CSP as built, and
          // the packaging configuration. Reads out/ (run `npm run build` first).
          name: 'desktop',
          include: ['test/desktop/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
