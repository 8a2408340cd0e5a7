// How ACP errors read to people, and how our file-system failures become ACP errors.
import * as acp from '@agentclientprotocol/sdk/unstable';

export function errorText(error: unknown): string {
  if (error instanceof acp.RequestError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** -32002 for a missing file (agents check for it), invalid params for an escape, internal otherwise. */
export function fsError(kind: string, message: string, path: string): acp.RequestError {
  if (kind === 'not-found') return acp.RequestError.resourceNotFound(path);
  if (kind === 'outside-workspace') return acp.RequestError.invalidParams({ path }, message);
  return acp.RequestError.internalError({ path }, message);
}
