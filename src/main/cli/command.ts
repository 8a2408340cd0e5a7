// What every `boocode` subcommand is, and how they all report errors and exit.
import type { ParseArgsConfig } from 'node:util';

/** Exit codes shared by every command: 0 done, 1 the command failed, 2 the command line was wrong. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliCommand {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly allowPositionals?: boolean;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

export function usageError(message: string): number {
  process.stderr.write(`boocode: ${message}\n`);
  return exitCodes.usage;
}

export function failure(message: string): number {
  process.stderr.write(`boocode: ${message}\n`);
  return exitCodes.failed;
}
