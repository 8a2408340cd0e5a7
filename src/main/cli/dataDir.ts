// How a `boocode` command reaches the data folder: as its owner when no other BooCode process
// has it open, otherwise as a client of the process that owns it (the desktop app, a `serve`, or
// another command), so that there is only ever one writer and its warm agents are shared.
import { resolve } from 'node:path';
import type { BooApi } from '../../shared/contract.ts';
import { openDataDir, type CoreLink } from '../core/index.ts';
import { defaultDataDir } from '../core/dataDir.ts';
import { describeOwner } from '../owner/index.ts';
import { failure, usageError } from './command.ts';

/** A path option: absent is fine (undefined), empty is a mistake the user should hear about. */
export function pathOption(values: Record<string, unknown>, name: string): { ok: true; value: string | undefined } | { ok: false; code: number } {
  const value = values[name];
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, code: usageError(`--${name} needs a path; it was given an empty one.`) };
  return { ok: true, value };
}

/** The data folder a command works on: --data-dir, or the desktop app's own. */
export function dataDirOf(values: Record<string, unknown>): { ok: true; value: string } | { ok: false; code: number } {
  const option = pathOption(values, 'data-dir');
  if (!option.ok) return option;
  return { ok: true, value: resolve(option.value ?? defaultDataDir()) };
}

/**
 * Runs `work` against the data folder's core and leaves it. When this command became the
 * owner and other clients started turns in it meanwhile, it waits for them before exiting.
 */
export async function withDataDir(values: Record<string, unknown>, command: string, work: (api: BooApi, link: CoreLink) => Promise<number>): Promise<number> {
  const dataDir = dataDirOf(values);
  if (!dataDir.ok) return dataDir.code;
  const opened = await openDataDir({ dataDir: dataDir.value, owner: { kind: 'cli', label: `boocode ${command}` }, resumeQueuedTurns: false });
  if (!opened.ok) return failure(opened.error.message);
  const link = opened.value;
  try {
    return await work(link.api, link);
  } finally {
    await link.close({
      waitForClientTurns: true,
      onWait: (running) =>
        process.stderr.write(`boocode: ${running} turn(s) started by other BooCode windows or commands still run in this process; waiting for them to end before leaving ${dataDir.value}.\n`),
    });
  }
}

/** For people: whose core a command works with. */
export function describeLink(link: CoreLink): string {
  const owner = link.owner();
  return owner ? `through ${describeOwner(owner)}, which has it open` : 'this process has it open';
}
