// What a launch of the desktop app asks for: a folder to open (`boocode-app ~/src/acme`, a
// file manager's "Open with", or a second launch forwarded by the single-instance lock) and
// where the data lives. No electron import, so the parsing is tested on its own.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

export interface LaunchRequest {
  /** Absolute path of the folder to open as a project. */
  readonly folder: string | undefined;
  /** `--data-dir DIR`: a data folder other than the app's own (tests, a second profile). */
  readonly dataDir: string | undefined;
}

/**
 * Reads process.argv of the app. A packaged app's argv is [executable, ...arguments]; an
 * unpackaged one (`electron . folder`) has the app's path before them. Chromium's own switches
 * (`--no-sandbox`, `--inspect=…`) are skipped; Chromium writes them with `=`, never a separate value.
 */
export function parseLaunchArguments(argv: readonly string[], options: { readonly isPackaged: boolean; readonly cwd: string }): LaunchRequest {
  const positionals: string[] = [];
  let dataDir: string | undefined;
  const rest = argv.slice(1);
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index] ?? '';
    if (argument === '--data-dir') {
      dataDir = rest[index + 1];
      index += 1;
    } else if (argument.startsWith('--data-dir=')) {
      dataDir = argument.slice('--data-dir='.length);
    } else if (!argument.startsWith('-')) {
      positionals.push(argument);
    }
  }
  const folders = options.isPackaged ? positionals : positionals.slice(1);
  const folder = folders[0];
  return {
    folder: folder === undefined || folder === '' ? undefined : absolute(folder, options.cwd),
    dataDir: dataDir === undefined || dataDir === '' ? undefined : absolute(dataDir, options.cwd),
  };
}

/** What a second launch hands the running app (Electron's `additionalData`): its folder, resolved where it was launched. */
export const SecondLaunchSchema = z.object({ folder: z.string().min(1).max(4096).nullable() });
export type SecondLaunch = z.infer<typeof SecondLaunchSchema>;

/**
 * The folder a second launch asked for: from its additional data when it is well formed (an
 * older build may send none), else from its argv, resolved against its working directory.
 */
export function folderOfSecondLaunch(additionalData: unknown, argv: readonly string[], workingDirectory: string, isPackaged: boolean): string | undefined {
  const parsed = SecondLaunchSchema.safeParse(additionalData);
  if (parsed.success) return parsed.data.folder === null ? undefined : absolute(parsed.data.folder, workingDirectory);
  return parseLaunchArguments(argv, { isPackaged, cwd: workingDirectory }).folder;
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? resolve(path) : resolve(cwd, path);
}
