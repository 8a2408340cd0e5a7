// Streaming markdown, block by block. A message's text grows by deltas; re-lexing all of it on
// every delta would cost O(length) per keystroke-sized chunk. Only the last block can change
// when text is appended (a paragraph goes on, a fence closes), so the text is re-lexed from
// the start of the last block and the blocks before it are kept — the same objects, so their
// rendering is memoized and never redone.
import { Lexer, type Token } from 'marked';

export interface Block {
  /** Offset of the block in the whole text. */
  readonly start: number;
  readonly raw: string;
  readonly token: Token;
  /** False for the last block of text still streaming: it may yet change. */
  readonly isFinished: boolean;
  /** A code fence that has not been closed yet (shown as code while it streams). */
  readonly isOpenFence: boolean;
}

export interface Blocks {
  readonly text: string;
  readonly blocks: readonly Block[];
}

export const emptyBlocks: Blocks = { text: '', blocks: [] };

/** The blocks of `text`, reusing those of `previous` that the new text cannot have changed. */
export function lexBlocks(previous: Blocks, text: string, isStreaming: boolean): Blocks {
  if (text === previous.text) return isStreaming ? previous : finishAll(previous);
  let kept: Block[] = [];
  let from = 0;
  if (text.startsWith(previous.text) && previous.blocks.length > 0) {
    // Everything up to the last block stays; the last one is lexed again with what follows.
    kept = previous.blocks.slice(0, -1).map((block) => (block.isFinished ? block : { ...block, isFinished: true }));
    from = previous.blocks.at(-1)?.start ?? 0;
  }
  const fresh = lex(text.slice(from), from);
  const blocks = [...kept, ...fresh].map((block, index, all) => {
    const isLast = index === all.length - 1;
    const isFinished = !(isStreaming && isLast);
    return block.isFinished === isFinished ? block : { ...block, isFinished };
  });
  return { text, blocks };
}

function finishAll(blocks: Blocks): Blocks {
  return { text: blocks.text, blocks: blocks.blocks.map((block) => (block.isFinished ? block : { ...block, isFinished: true })) };
}

function lex(source: string, offset: number): Block[] {
  const tokens = Lexer.lex(source, { gfm: true, breaks: false });
  const blocks: Block[] = [];
  let at = offset;
  for (const token of tokens) {
    if (token.type === 'space') {
      at += token.raw.length;
      continue;
    }
    blocks.push({ start: at, raw: token.raw, token, isFinished: true, isOpenFence: isOpenFence(token) });
    at += token.raw.length;
  }
  return blocks;
}

/** A fenced code block whose closing fence has not arrived: CommonMark runs it to the end. */
function isOpenFence(token: Token): boolean {
  if (token.type !== 'code' || (token as { codeBlockStyle?: string }).codeBlockStyle === 'indented') return false;
  const raw = token.raw.trimEnd();
  const fence = /^ {0,3}(`{3,}|~{3,})/.exec(raw)?.[1];
  if (!fence) return false;
  const lines = raw.split('\n');
  if (lines.length < 2) return true;
  const last = lines.at(-1)?.trim() ?? '';
  return !(last.startsWith(fence[0] ?? '`') && last.replace(new RegExp(`^\\${fence[0]}+`), '') === '' && last.length >= fence.length);
}
