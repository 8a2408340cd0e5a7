// Markdown as React elements — GFM tables, task lists, fenced code highlighted once a block is
// finished — and never as raw HTML: an agent's output cannot inject markup or script. Finished
// blocks are the same objects from one delta to the next, so only the streaming block renders.
import { memo, useRef, type ReactNode } from 'react';
import type { Token, Tokens } from 'marked';
import { CodeBlock } from './CodeBlock.tsx';
import { emptyBlocks, lexBlocks, type Block, type Blocks } from './blocks.ts';

export function Markdown({ text, isStreaming = false }: { text: string; isStreaming?: boolean }) {
  const previous = useRef<Blocks>(emptyBlocks);
  const blocks = lexBlocks(previous.current, text, isStreaming);
  previous.current = blocks;
  return (
    <div className="markdown">
      {blocks.blocks.map((block) => (
        <BlockView key={block.start} block={block} />
      ))}
    </div>
  );
}

const BlockView = memo(function BlockView({ block }: { block: Block }) {
  if (block.token.type === 'code') {
    const code = block.token as Tokens.Code;
    return <CodeBlock code={code.text} language={code.lang ?? ''} isFinished={block.isFinished && !block.isOpenFence} />;
  }
  return <>{renderBlock(block.token, 0)}</>;
});

function renderBlock(token: Token, key: number | string): ReactNode {
  switch (token.type) {
    case 'paragraph':
      return <p key={key}>{renderInline((token as Tokens.Paragraph).tokens)}</p>;
    case 'heading': {
      const heading = token as Tokens.Heading;
      const Tag = `h${Math.min(6, Math.max(1, heading.depth))}` as 'h1';
      return <Tag key={key}>{renderInline(heading.tokens)}</Tag>;
    }
    case 'code': {
      const code = token as Tokens.Code;
      return <CodeBlock key={key} code={code.text} language={code.lang ?? ''} isFinished />;
    }
    case 'blockquote':
      return <blockquote key={key}>{(token as Tokens.Blockquote).tokens.map((child, index) => renderBlock(child, index))}</blockquote>;
    case 'list': {
      const list = token as Tokens.List;
      const items = list.items.map((item, index) => (
        <li key={index} className={item.task ? 'task' : undefined}>
          {item.task && <input type="checkbox" checked={item.checked ?? false} readOnly aria-label={item.checked ? 'done' : 'to do'} />}
          {item.tokens.map((child, childIndex) => (child.type === 'text' && 'tokens' in child && child.tokens ? <span key={childIndex}>{renderInline(child.tokens)}</span> : child.type === 'checkbox' ? null : renderBlock(child, childIndex)))}
        </li>
      ));
      return list.ordered ? (
        <ol key={key} start={typeof list.start === 'number' ? list.start : undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'table': {
      const table = token as Tokens.Table;
      return (
        <div key={key} className="table-scroll">
          <table>
            <thead>
              <tr>
                {table.header.map((cell, index) => (
                  <th key={index} style={cell.align ? { textAlign: cell.align } : undefined}>
                    {renderInline(cell.tokens)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, rowIndex) => (
                <tr key={rowIndex}>
                  {row.map((cell, index) => (
                    <td key={index} style={cell.align ? { textAlign: cell.align } : undefined}>
                      {renderInline(cell.tokens)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case 'hr':
      return <hr key={key} />;
    case 'html':
      // Shown as the text it is, never interpreted.
      return (
        <p key={key} className="raw-html">
          {token.raw}
        </p>
      );
    case 'text':
      return <p key={key}>{'tokens' in token && token.tokens ? renderInline(token.tokens) : token.raw}</p>;
    case 'space':
    case 'def':
      return null;
    default:
      return <p key={key}>{token.raw}</p>;
  }
}

function renderInline(tokens: readonly Token[] | undefined): ReactNode[] {
  return (tokens ?? []).map((token, index) => renderInlineToken(token, index));
}

function renderInlineToken(token: Token, key: number): ReactNode {
  switch (token.type) {
    case 'text':
      return 'tokens' in token && token.tokens ? <span key={key}>{renderInline(token.tokens)}</span> : decodeEntities((token as Tokens.Text).text);
    case 'escape':
      return decodeEntities((token as Tokens.Escape).text);
    case 'strong':
      return <strong key={key}>{renderInline((token as Tokens.Strong).tokens)}</strong>;
    case 'em':
      return <em key={key}>{renderInline((token as Tokens.Em).tokens)}</em>;
    case 'del':
      return <del key={key}>{renderInline((token as Tokens.Del).tokens)}</del>;
    case 'codespan':
      return <code key={key}>{decodeEntities((token as Tokens.Codespan).text)}</code>;
    case 'br':
      return <br key={key} />;
    case 'link': {
      const link = token as Tokens.Link;
      const isSafe = /^(https?:|mailto:)/i.test(link.href);
      return isSafe ? (
        <a key={key} href={link.href} target="_blank" rel="noreferrer noopener" title={link.title ?? link.href}>
          {renderInline(link.tokens)}
        </a>
      ) : (
        <span key={key}>{renderInline(link.tokens)}</span>
      );
    }
    case 'image': {
      const image = token as Tokens.Image;
      // Remote images are not loaded (the page may talk only to its own origin): show what it is.
      return (
        <span key={key} className="image-ref">
          [image: {image.text || image.href}]
        </span>
      );
    }
    case 'html':
    case 'tag':
      return <span key={key}>{token.raw}</span>;
    default:
      return <span key={key}>{token.raw}</span>;
  }
}

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** marked escapes inline text for HTML output; React escapes again, so undo marked's. */
function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity);
}
