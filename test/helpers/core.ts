// A core on a fresh data dir, closed after the test.
import { onTestFinished } from 'vitest';
import type { AppEvent } from '../../src/shared/contract.ts';
import { createCore, type Core, type CoreOptions } from '../../src/main/core/index.ts';
import { tempDir } from './tempDir.ts';

export function testCore(options: Partial<CoreOptions> = {}): Core {
  const core = createCore({ dataDir: options.dataDir ?? tempDir('boo-data-'), ...options });
  onTestFinished(() => core.close());
  return core;
}

/** Every event the core publishes from now on, in order. */
export function collectEvents(core: Core): AppEvent[] {
  const events: AppEvent[] = [];
  core.subscribe({ afterSeq: core.events.lastSeq() }, (message) => {
    if (message.kind === 'event') events.push(message.event);
  });
  return events;
}
