// The `boocode` command: the same core as the desktop app, without a window.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDataDir } from '../core/index.ts';
import { defaultDataDir } from '../core/dataDir.ts';
import { StoreOpenError } from '../store/index.ts';
import { startServer } from '../serve/index.ts';
import { agentsCommand } from './agentsCommand.ts';
import { applyCommand, changesCommand } from './changesCommand.ts';
import { openCommand } from './openCommand.ts';
import { runCommand } from './runCommand.ts';
import { sessionsCommand } from './sessionsCommand.ts';
import { dataDirOf, describeLink } from './dataDir.ts';

import { exitCodes, failure, usageError, type CliCommand } from './command.ts';

export { exitCodes, type CliCommand } from './command.ts';

const dataDirOption = { 'data-dir': { type: 'string' } } as const;

const commandTable: Record<string, CliCommand> = {
  serve: {
    summary: 'Serve BooCode to a browser: the app over HTTP, the core over a WebSocket.',
    usage: `Usage: boocode serve [--data-dir DIR] [--port PORT] [--host HOST] [--allow-remote]

Serves the BooCode app and its core on http://HOST:PORT. Open the printed URL: it carries a
random access token, and requests without it are refused.

When the desktop app, another \`serve\` or a \`boocode\` command already has the data folder
open, this one serves through it (one process owns a data folder; the others are its
clients), and takes the folder over when that process ends.

Options:
  --data-dir DIR    where projects, chats and settings are stored
                    (default: ${defaultDataDir()})
  --port PORT       port to listen on (default: 0, any free port)
  --host HOST       address to listen on (default: 127.0.0.1)
  --allow-remote    allow a HOST other than loopback; anyone who can reach it and has the
                    token can run agents on this machine
  -h, --help        show this help`,
    options: {
      ...dataDirOption,
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
    },
    async run(values) {
      const port = values.port === undefined ? 0 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError(`--port must be a number from 0 to 65535.`);
      const dataDirOption = dataDirOf(values);
      if (!dataDirOption.ok) return dataDirOption.code;
      const dataDir = dataDirOption.value;
      const rendererDir = locateRenderer();
      if (!rendererDir) return failure('The app is not built: run `npm run build` first.');
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const opened = await openDataDir({ dataDir, log, owner: { kind: 'serve', label: 'boocode serve' } });
      if (!opened.ok) return failure(opened.error.message);
      const link = opened.value;
      link.onRoleChange((role) => log(role === 'owner' ? `took over ${dataDir}: the process that had it open has ended` : `now serving ${dataDir} ${describeLink(link)}`));
      const server = await startServer({
        core: link,
        rendererDir,
        port,
        host: values.host === undefined ? undefined : String(values.host),
        allowRemote: values['allow-remote'] === true,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      if (!server.ok) {
        await link.close();
        return failure(server.error.message);
      }
      process.stdout.write(`BooCode is serving ${server.value.url}\ndata: ${dataDir} (${describeLink(link)})\n`);
      await new Promise<void>((done) => {
        const stop = () => done();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.value.close();
      await link.close();
      return exitCodes.ok;
    },
  },
  open: openCommand,
  agents: agentsCommand,
  run: runCommand,
  sessions: sessionsCommand,
  changes: changesCommand,
  apply: applyCommand,
};

const mainUsage = `Usage: boocode <command> [options]

BooCode runs several coding agents on your own projects at once.

Commands:
${Object.entries(commandTable)
  .map(([name, command]) => `  ${name.padEnd(10)}${command.summary}`)
  .join('\n')}

Run \`boocode <command> --help\` for a command's options.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainUsage}\n`);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const command = commandTable[name];
  if (!command) return usageError(`Unknown command "${name}".\n\n${mainUsage}`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    return usageError(`${error instanceof Error ? error.message : String(error)}\n\n${command.usage}`);
  }
  if (parsed.values.help === true) {
    process.stdout.write(`${command.usage}\n`);
    return exitCodes.ok;
  }
  try {
    return await command.run(parsed.values, parsed.positionals);
  } catch (error) {
    if (error instanceof StoreOpenError) return failure(error.message);
    throw error;
  }
}


/** The built renderer sits next to the built CLI (out/main/cli.js → out/renderer). */
function locateRenderer(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../renderer'), join(here, '../../../out/renderer')]) {
    if (existsSync(join(candidate, 'index.html'))) return resolve(candidate);
  }
  return undefined;
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
