// `boocode open PATH`, like `code .`: the folder opens as a project in the running desktop app,
// whose window comes forward; with no BooCode running, it starts the desktop app on it.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Project } from '../../shared/contract.ts';
import { defaultDataDir } from '../core/dataDir.ts';
import { connectControl, describeOwner, ownerInfo, readOwnerRecord } from '../owner/index.ts';
import { exitCodes, failure, usageError, type CliCommand } from './command.ts';
import { dataDirOf } from './dataDir.ts';
import { desktopUnavailableMessage, findElectron, launchDesktopApp, packageRoot } from './desktopApp.ts';

export const openCommand: CliCommand = {
  summary: 'Open a folder in the BooCode desktop app (starting it when it is not running).',
  usage: `Usage: boocode open [--data-dir DIR] PATH

Opens the folder PATH as a project in the running BooCode desktop app and brings its window
to the front, like \`code .\`. When no BooCode process has the data folder open, it starts the
desktop app with PATH. When \`boocode serve\` has it open, its browser windows show PATH.

Options:
  --data-dir DIR    where projects, chats and settings are stored
                    (default: ${defaultDataDir()})
  -h, --help        show this help`,
  options: { 'data-dir': { type: 'string' } },
  allowPositionals: true,
  async run(values, positionals) {
    if (positionals.length !== 1) return usageError(`open: give one folder to open${positionals.length > 1 ? `, not ${positionals.length}` : ' (boocode open .)'}.`);
    const folder = resolve(positionals[0] ?? '.');
    const kind = folderKind(folder);
    if (kind !== 'directory') return failure(kind === 'missing' ? `${folder} does not exist.` : `${folder} is not a folder; open the folder that holds it.`);
    const dataDir = dataDirOf(values);
    if (!dataDir.ok) return dataDir.code;

    const record = readOwnerRecord(dataDir.value);
    if (record) {
      const connection = await connectControl(record);
      // A record whose process is gone (it was killed) is left behind: start the app instead.
      if (connection.ok) {
        try {
          const revealed = await connection.value.call('projects.reveal', { path: folder });
          if (!revealed.ok) return failure(revealed.error.message);
          process.stdout.write(`${revealedText(revealed.value, describeOwner(ownerInfo(record)), record.kind)}\n`);
          return exitCodes.ok;
        } finally {
          connection.value.close();
        }
      }
    }

    const electron = findElectron({ onDownload: () => process.stderr.write('boocode: no BooCode is running; downloading Electron to start the desktop app (once)…\n') });
    if (!electron.ok) {
      process.stderr.write(`boocode: no BooCode is running to open ${folder} in.\n\n${desktopUnavailableMessage(electron.reason)}`);
      return exitCodes.failed;
    }
    const root = packageRoot();
    if (!root || !existsSync(join(root, 'out/main/index.js'))) return failure('The desktop app is not built: run `npm run build` first.');
    launchDesktopApp(electron.path, root, [folder, ...(values['data-dir'] === undefined ? [] : [`--data-dir=${dataDir.value}`])]);
    process.stdout.write(`Starting BooCode with ${folder}…\n`);
    return exitCodes.ok;
  },
};

function revealedText(project: Project, owner: string, kind: string): string {
  if (kind === 'app') return `Opened ${project.name} (${project.path}) in BooCode.`;
  return `Opened ${project.name} (${project.path}) through ${owner}, which has the data folder open; its windows show it.`;
}

function folderKind(path: string): 'directory' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}
