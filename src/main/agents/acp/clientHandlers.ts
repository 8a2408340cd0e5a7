// The client half of ACP that BooCode serves to one agent: session updates and permission
// requests go to the backend, files are confined to the working directory, terminals are real
// processes, and anything else gets method-not-found, so an agent's side request never hangs a
// turn (qwen's `craft/drainMidTurnQueue`, say).
import * as acp from '@agentclientprotocol/sdk/unstable';
import type { TerminalHost } from './terminalHost.ts';
import type { WorkspaceFs } from './workspaceFs.ts';
import { fsError } from './errors.ts';

export interface ClientHandlers {
  readonly name: string;
  readonly fs: WorkspaceFs;
  readonly terminals: TerminalHost;
  readonly log: (line: string) => void;
  onUpdate(params: acp.SessionNotification): void;
  requestPermission(params: acp.RequestPermissionRequest): Promise<acp.RequestPermissionResponse>;
}

export function createClientApp(handlers: ClientHandlers): acp.ClientApp {
  const { fs, terminals, name, log } = handlers;
  return acp
    .client({ name: 'BooCode' })
    .onNotification(acp.methods.client.session.update, ({ params }) => handlers.onUpdate(params))
    .onRequest(acp.methods.client.session.requestPermission, ({ params }) => handlers.requestPermission(params))
    .onRequest(acp.methods.client.fs.readTextFile, async ({ params }) => {
      const read = await fs.readTextFile(params.path, { line: params.line, limit: params.limit });
      if (read.ok) return { content: read.value };
      throw fsError(read.error.kind, read.error.message, params.path);
    })
    .onRequest(acp.methods.client.fs.writeTextFile, async ({ params }) => {
      const written = await fs.writeTextFile(params.path, params.content);
      if (written.ok) return {};
      throw fsError(written.error.kind, written.error.message, params.path);
    })
    .onRequest(acp.methods.client.terminal.create, ({ params }) => {
      const created = terminals.create({ command: params.command, args: params.args ?? [], cwd: params.cwd, env: params.env ?? [], outputByteLimit: params.outputByteLimit });
      if (!created.ok) throw acp.RequestError.invalidParams(undefined, created.error.message);
      return { terminalId: created.terminalId };
    })
    .onRequest(acp.methods.client.terminal.output, ({ params }) => {
      const output = terminals.output(params.terminalId);
      if (!output) throw acp.RequestError.resourceNotFound(params.terminalId);
      return { output: output.output, truncated: output.truncated, exitStatus: output.exitStatus };
    })
    .onRequest(acp.methods.client.terminal.waitForExit, async ({ params }) => {
      const waiting = terminals.waitForExit(params.terminalId);
      if (!waiting) throw acp.RequestError.resourceNotFound(params.terminalId);
      return await waiting;
    })
    .onRequest(acp.methods.client.terminal.kill, async ({ params }) => {
      if (!(await terminals.kill(params.terminalId))) throw acp.RequestError.resourceNotFound(params.terminalId);
      return {};
    })
    .onRequest(acp.methods.client.terminal.release, async ({ params }) => {
      if (!(await terminals.release(params.terminalId))) throw acp.RequestError.resourceNotFound(params.terminalId);
      return {};
    })
    .onRequest('*', ({ method }) => {
      log(`${name} sent an unsupported request "${method}"; answered method-not-found`);
      throw acp.RequestError.methodNotFound(method);
    })
    .onNotification('*', ({ method }) => {
      log(`${name} sent an unsupported notification "${method}"; ignored`);
    });
}
