// The changed files, virtualized: a change set of thousands of files costs the DOM of the few
// on screen. The selected file is kept in view as j/k moves through the files.
import { useVirtualizer } from '@tanstack/react-virtual';
import { Check } from 'lucide-react';
import { useEffect, useRef } from 'react';
import type { ReviewedFile } from '../../shared/changes.ts';

export function FileList({
  files,
  selected,
  onSelect,
  agentsOf,
  agentName,
}: {
  files: readonly ReviewedFile[];
  selected: ReviewedFile | undefined;
  onSelect: (path: string) => void;
  agentsOf: (file: ReviewedFile) => string[];
  agentName: (agentId: string) => string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: files.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 46,
    getItemKey: (index) => files[index]?.path ?? index,
    overscan: 8,
  });
  const selectedIndex = selected ? files.indexOf(selected) : -1;
  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  return (
    <div ref={scroller} className="file-list" role="list" aria-label="Changed files">
      <div className="file-list-inner" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const entry = files[item.index] as ReviewedFile;
          const isSelected = entry === selected;
          return (
            <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} role="listitem" aria-setsize={files.length} aria-posinset={item.index + 1} style={{ transform: `translateY(${item.start}px)` }}>
              <button type="button" className={`file-entry${isSelected ? ' selected' : ''}`} aria-current={isSelected ? 'true' : undefined} onClick={() => onSelect(entry.path)}>
                <span className={`file-status ${entry.kind}`} title={entry.kind}>
                  {statusLetter(entry)}
                </span>
                <span className="file-name">{entry.oldPath && entry.oldPath !== entry.path ? `${entry.oldPath} → ${entry.path}` : entry.path}</span>
                <span className="file-counts">
                  <span className="added">+{entry.additions}</span> <span className="removed">−{entry.deletions}</span>
                </span>
                {entry.reviewed && <Check size={12} aria-label="reviewed" />}
                <span className="file-agents">{agentsOf(entry).map(agentName).join(', ')}</span>
              </button>
            </div>
          );
        })}
      </div>
    </div>
  );
}

function statusLetter(file: ReviewedFile): string {
  if (file.isBinary) return 'B';
  switch (file.kind) {
    case 'added':
      return 'A';
    case 'deleted':
      return 'D';
    case 'renamed':
      return 'R';
    case 'type-changed':
      return 'T';
    default:
      return file.oldMode !== file.newMode && file.hunks.length === 0 ? 'M*' : 'M';
  }
}
