// A core on a fresh data dir, closed after the test.
import { onTestFinished } from 'vitest';
import { createCore, type Core, type CoreOptions } from '../../src/main/core/index.ts';
import { tempDir } from './tempDir.ts';

export function testCore(options: Partial<CoreOptions> = {}): Core {
  const core = createCore({ dataDir: options.dataDir ?? tempDir('boo-data-'), ...options });
  onTestFinished(() => core.close());
  return core;
}
