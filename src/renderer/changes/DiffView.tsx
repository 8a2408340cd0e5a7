// The diff of one file, unified or side by side, virtualized so a 10k-line file scrolls as fast
// as a small one. Each hunk has its attribution badge (which agent, which turn — a link to the
// chat at that turn) and its Apply and Reject; colours come from the chat's highlighter.
import { useVirtualizer } from '@tanstack/react-virtual';
import { Bot, Check, Undo2, User } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ChangeTurn, Hunk, ReviewedFile } from '../../shared/changes.ts';
import { highlight, type HighlightedLine } from '../chat/highlight/index.ts';
import { diffRows, hunkTexts, languageOf, type DiffRow, type DiffSide } from './diffRows.ts';

export interface DiffViewProps {
  readonly file: ReviewedFile;
  readonly mode: 'unified' | 'split';
  readonly turns: readonly ChangeTurn[];
  readonly agentName: (agentId: string) => string;
  readonly focusedHunk: number;
  readonly onFocusHunk: (index: number) => void;
  readonly onApply: (hunk: Hunk) => void;
  readonly onReject: (hunk: Hunk) => void;
  readonly onOpenTurn: (turn: ChangeTurn) => void;
  readonly isBusy: boolean;
}

export function DiffView(props: DiffViewProps) {
  const { file, mode } = props;
  const rows = useMemo(() => diffRows(file.hunks, mode), [file.hunks, mode]);
  const scroller = useRef<HTMLDivElement>(null);
  const colours = useHighlights(file);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => (rows[index]?.kind === 'hunk' ? 36 : 20),
    overscan: 20,
  });
  // j/k moves the hunk in focus; bring its header into view.
  useEffect(() => {
    const index = rows.findIndex((row) => row.kind === 'hunk' && row.hunkIndex === props.focusedHunk);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'start' });
  }, [props.focusedHunk, rows, virtualizer]);

  if (file.isBinary) return <div className="diff-note">Binary file {file.kind}: it is applied or rejected as a whole.</div>;
  if (file.hunks.length === 0) {
    const what = file.kind === 'renamed' ? `Renamed from ${file.oldPath ?? '?'}${file.similarity !== null ? ` (${file.similarity}% the same)` : ''}, content unchanged.` : file.oldMode !== file.newMode ? `Mode changed from ${file.oldMode ?? 'none'} to ${file.newMode ?? 'none'}.` : `${file.kind}, no text changes.`;
    return <div className="diff-note">{what}</div>;
  }
  return (
    <div ref={scroller} className={`diff ${mode}`} role="region" aria-label={`Diff of ${file.path}`}>
      <div className="diff-inner" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index] as DiffRow;
          return (
            <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="diff-row-wrap" style={{ transform: `translateY(${item.start}px)` }}>
              {row.kind === 'hunk' ? <HunkHeader {...props} hunk={row.hunk} index={row.hunkIndex} /> : <LineRow row={row} mode={mode} colours={colours[row.hunkIndex]} />}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function HunkHeader({ hunk, index, turns, agentName, focusedHunk, onFocusHunk, onApply, onReject, onOpenTurn, isBusy }: DiffViewProps & { hunk: Hunk; index: number }) {
  const turn = hunk.attribution ? turns.find((candidate) => candidate.id === hunk.attribution?.turnId) : undefined;
  const isYours = hunk.attribution?.agentId === 'you';
  const label = `Hunk ${index + 1}, lines ${hunk.newStart}–${hunk.newStart + Math.max(0, hunk.newLines - 1)}`;
  return (
    <div className={`hunk-header${focusedHunk === index ? ' focused' : ''}`} role="group" aria-label={label} onClick={() => onFocusHunk(index)}>
      <span className="hunk-range">
        @@ −{hunk.oldStart},{hunk.oldLines} +{hunk.newStart},{hunk.newLines} @@
      </span>
      {hunk.attribution &&
        (turn ? (
          <button type="button" className="attribution" title={`Open the chat at: ${turn.prompt}`} aria-label={`Made by ${agentName(turn.agentId)} in turn ${turn.number}: open the chat`} onClick={() => onOpenTurn(turn)}>
            <Bot size={12} aria-hidden="true" /> {agentName(turn.agentId)} · turn {turn.number}
          </button>
        ) : (
          <span className="attribution">
            {isYours ? <User size={12} aria-hidden="true" /> : <Bot size={12} aria-hidden="true" />} {isYours ? 'you' : agentName(hunk.attribution.agentId)}
          </span>
        ))}
      <span className="hunk-counts">
        <span className="added">+{hunk.additions}</span> <span className="removed">−{hunk.deletions}</span>
      </span>
      <span className="spacer" />
      <button type="button" className="small" disabled={isBusy} aria-label={`Apply ${label.toLowerCase()}`} onClick={() => onApply(hunk)}>
        <Check size={12} aria-hidden="true" /> Apply
      </button>
      <button type="button" className="small" disabled={isBusy} aria-label={`Reject ${label.toLowerCase()}`} onClick={() => onReject(hunk)}>
        <Undo2 size={12} aria-hidden="true" /> Reject
      </button>
    </div>
  );
}

function LineRow({ row, mode, colours }: { row: Extract<DiffRow, { kind: 'line' }>; mode: 'unified' | 'split'; colours: HunkColours | undefined }) {
  if (mode === 'split') {
    return (
      <div className="diff-line split">
        <Side side={row.left} lines={colours?.old} />
        <Side side={row.right} lines={colours?.new} />
      </div>
    );
  }
  const side = row.right ?? row.left;
  const lines = row.right ? colours?.new : colours?.old;
  return (
    <div className={`diff-line unified ${side?.kind ?? ''}`}>
      <span className="line-number">{row.left?.number ?? ''}</span>
      <span className="line-number">{row.right?.number ?? ''}</span>
      <span className="line-marker">{side?.kind === 'added' ? '+' : side?.kind === 'removed' ? '−' : ' '}</span>
      <Code side={side} lines={lines} />
    </div>
  );
}

function Side({ side, lines }: { side: DiffSide | null; lines: readonly HighlightedLine[] | undefined }) {
  return (
    <div className={`diff-side ${side?.kind ?? 'empty'}`}>
      <span className="line-number">{side?.number ?? ''}</span>
      <Code side={side} lines={lines} />
    </div>
  );
}

function Code({ side, lines }: { side: DiffSide | null; lines: readonly HighlightedLine[] | undefined }) {
  if (!side) return <span className="line-text" />;
  const runs = side.sideIndex !== null ? lines?.[side.sideIndex] : undefined;
  return (
    <span className="line-text">
      {runs
        ? runs.map((run, index) => (
            <span key={index} style={{ '--light': run.light, '--dark': run.dark } as React.CSSProperties}>
              {run.text}
            </span>
          ))
        : side.text}
    </span>
  );
}

interface HunkColours {
  readonly old: readonly HighlightedLine[] | undefined;
  readonly new: readonly HighlightedLine[] | undefined;
}

/** Highlights each hunk's old and new text in the worker; rows show plain text until it answers. */
function useHighlights(file: ReviewedFile): readonly (HunkColours | undefined)[] {
  const [colours, setColours] = useState<(HunkColours | undefined)[]>([]);
  useEffect(() => {
    const language = languageOf(file.path);
    setColours([]);
    if (language === '') return;
    let isCurrent = true;
    file.hunks.forEach((hunk, index) => {
      const texts = hunkTexts(hunk);
      void Promise.all([highlight(texts.old, language), highlight(texts.new, language)]).then(([old, next]) => {
        if (!isCurrent) return;
        setColours((current) => {
          const copy = current.slice();
          copy[index] = { old: old ?? undefined, new: next ?? undefined };
          return copy;
        });
      });
    });
    return () => {
      isCurrent = false;
    };
  }, [file]);
  return colours;
}
