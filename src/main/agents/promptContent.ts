// What a turn's attachments become on the wire: files of the workspace as links the agent can
// read (confined to the working directory), images as image blocks where the agent takes them.
// One place for both protocols, so an attachment that cannot go is refused the same way.
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Attachment } from '../../shared/chats.ts';

export type PromptBlock =
  | { readonly kind: 'file'; readonly path: string; readonly uri: string; readonly name: string }
  | { readonly kind: 'image'; readonly mimeType: string; readonly data: string };

/** The blocks to send and, for what cannot be sent, why (said to the user as notices). */
export function promptBlocks(attachments: readonly Attachment[] | undefined, cwd: string, canTakeImages: boolean, agentName: string): { blocks: PromptBlock[]; refused: string[] } {
  const blocks: PromptBlock[] = [];
  const refused: string[] = [];
  for (const attachment of attachments ?? []) {
    if (attachment.kind === 'file') {
      const path = resolve(cwd, attachment.path);
      const inside = relative(cwd, path);
      if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
        refused.push(`${attachment.path} is outside this session's folder, so it was not sent to ${agentName}.`);
        continue;
      }
      blocks.push({ kind: 'file', path, uri: pathToFileURL(path).href, name: basename(path) });
    } else if (canTakeImages) {
      blocks.push({ kind: 'image', mimeType: attachment.mimeType, data: attachment.data });
    } else {
      refused.push(`${agentName} does not take images, so the pasted image was not sent.`);
    }
  }
  return { blocks, refused };
}
