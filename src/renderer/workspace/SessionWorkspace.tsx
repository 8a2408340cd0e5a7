// A session's workspace: its split tree of panes, each with a tab bar and the tabs' views. A tab
// is mounted the first time it is shown and stays mounted while it is open (a terminal keeps its
// view when hidden); only the active tab of each pane is shown. Tabs never shown cost nothing,
// so opening a session of many tabs builds only what is on screen.
import { Group, Panel, Separator } from 'react-resizable-panels';
import { Fragment, useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { MessageSquare, FileDiff, Plus, SquareTerminal, X } from 'lucide-react';
import type { LayoutEnvelope, PaneLeaf, PaneNode, Tab } from '../../shared/layout.ts';
import { ChatTab } from '../chat/ChatTab.tsx';
import { ChangesTab } from '../changes/ChangesTab.tsx';
import { TerminalTab } from '../terminal/TerminalTab.tsx';
import { MenuButton } from '../ui/Menu.tsx';
import { installedAgentsOf, useWindow, useWindowShallow, type AppStore } from '../state/store.ts';
import { leaves, type SplitSide } from './layout.ts';

const TAB_MIME = 'application/x-boocode-tab';

export function SessionWorkspace({ store, sessionId }: { store: AppStore; sessionId: string }) {
  const entry = useWindow(store, (state) => state.client.layouts[sessionId]);
  useEffect(() => {
    void store.ensureLayout(sessionId);
  }, [store, sessionId]);
  useEffect(() => {
    if (!entry?.notice) return;
    store.notify('info', 'The saved layout could not be used', entry.notice);
    store.dismissLayoutNotice(sessionId);
  }, [entry, sessionId, store]);
  if (!entry) return <div className="loading">Opening the session…</div>;
  const panes = leaves(entry.layout.root);
  return (
    <div className="session-workspace">
      <PaneTree store={store} sessionId={sessionId} layout={entry.layout} node={entry.layout.root} paneNumbers={new Map(panes.map((pane, index) => [pane.id, index + 1]))} />
    </div>
  );
}

function PaneTree({ store, sessionId, layout, node, paneNumbers }: { store: AppStore; sessionId: string; layout: LayoutEnvelope; node: PaneNode; paneNumbers: Map<string, number> }) {
  if (node.kind === 'pane') return <PaneView store={store} sessionId={sessionId} layout={layout} pane={node} number={paneNumbers.get(node.id) ?? 1} />;
  return (
    <Group
      orientation={node.direction === 'row' ? 'horizontal' : 'vertical'}
      id={node.id}
      className="pane-group"
      onLayoutChanged={(sizes, meta) => {
        if (!meta.isUserInteraction) return;
        store.changeLayout(sessionId, { type: 'resize', splitId: node.id, sizes: node.children.map((child) => sizes[child.id] ?? 0) });
      }}
    >
      {node.children.map((child, index) => (
        <Fragment key={child.id}>
          {index > 0 && <Separator className={`pane-separator ${node.direction}`} aria-label="Resize panes" />}
          <Panel id={child.id} defaultSize={`${node.sizes[index] ?? 50}%`} minSize="10%">
            <PaneTree store={store} sessionId={sessionId} layout={layout} node={child} paneNumbers={paneNumbers} />
          </Panel>
        </Fragment>
      ))}
    </Group>
  );
}

function PaneView({ store, sessionId, layout, pane, number }: { store: AppStore; sessionId: string; layout: LayoutEnvelope; pane: PaneLeaf; number: number }) {
  const [dropZone, setDropZone] = useState<SplitSide | 'center' | undefined>();
  const content = useRef<HTMLDivElement>(null);
  const tabs = pane.tabIds.map((id) => layout.tabs[id]).filter((tab): tab is Tab => tab !== undefined);
  const isFocusedPane = layout.focusedTabId !== null && pane.tabIds.includes(layout.focusedTabId);
  const shown = useRef(new Set<string>());
  if (pane.activeTabId) shown.current.add(pane.activeTabId);

  function zoneAt(event: DragEvent): SplitSide | 'center' {
    const box = content.current?.getBoundingClientRect();
    if (!box) return 'center';
    const x = (event.clientX - box.left) / box.width;
    const y = (event.clientY - box.top) / box.height;
    if (x < 0.2) return 'left';
    if (x > 0.8) return 'right';
    if (y < 0.2) return 'top';
    if (y > 0.8) return 'bottom';
    return 'center';
  }

  function onDrop(event: DragEvent): void {
    const tabId = event.dataTransfer.getData(TAB_MIME);
    const zone = zoneAt(event);
    setDropZone(undefined);
    if (!tabId || !layout.tabs[tabId]) return;
    event.preventDefault();
    store.changeLayout(sessionId, zone === 'center' ? { type: 'move', tabId, paneId: pane.id } : { type: 'split', tabId, paneId: pane.id, side: zone });
  }

  const catalogVersion = useWindow(store, (state) => state.client.catalogVersion);
  useEffect(() => {
    void store.loadAgents();
  }, [store, catalogVersion]);
  const installed = useWindowShallow(store, installedAgentsOf);
  const newTabItems = [
    ...(installed.length > 0
      ? installed.map((agent) => ({ label: `New chat with ${agent.name}`, run: () => void store.createChat(sessionId, agent.id, pane.id) }))
      : [{ label: 'New chat (no agent is installed)', isDisabled: true, run: () => {} }]),
    { label: 'New terminal', hint: 'Ctrl+Shift+`', run: () => void store.createTerminal(sessionId, pane.id) },
    { label: 'Changes', hint: 'Ctrl+Shift+G', run: () => store.changeLayout(sessionId, { type: 'open', kind: 'changes', targetId: null, paneId: pane.id }) },
  ];

  return (
    <section
      className={`pane${isFocusedPane ? ' focused' : ''}`}
      aria-label={`Pane ${number}`}
      onPointerDownCapture={() => {
        if (pane.activeTabId && layout.focusedTabId !== pane.activeTabId) store.changeLayout(sessionId, { type: 'focus', tabId: pane.activeTabId });
      }}
    >
      <div className="tab-strip">
        <TabBar store={store} sessionId={sessionId} layout={layout} pane={pane} tabs={tabs} number={number} />
        <MenuButton label={`New tab in pane ${number}`} items={newTabItems}>
          <Plus size={15} aria-hidden="true" />
        </MenuButton>
      </div>
      <div
        ref={content}
        className="pane-content"
        onDragOver={(event) => {
          if (!event.dataTransfer.types.includes(TAB_MIME)) return;
          event.preventDefault();
          setDropZone(zoneAt(event));
        }}
        onDragLeave={(event) => {
          if (event.currentTarget === event.target) setDropZone(undefined);
        }}
        onDrop={onDrop}
      >
        {tabs.length === 0 && <EmptyPane store={store} sessionId={sessionId} paneId={pane.id} />}
        {tabs.map((tab) => (
          <div key={tab.id} className="tab-view" role="tabpanel" id={`tabpanel-${tab.id}`} aria-labelledby={`tab-${tab.id}`} hidden={tab.id !== pane.activeTabId}>
            {shown.current.has(tab.id) && <TabContent store={store} sessionId={sessionId} tab={tab} isVisible={tab.id === pane.activeTabId} isFocused={tab.id === layout.focusedTabId} />}
          </div>
        ))}
        {dropZone && <div className={`drop-zone-overlay ${dropZone}`} aria-hidden="true" />}
      </div>
    </section>
  );
}

/** A new chat with the agent used most recently (the first installed one on a fresh install). */
async function newChat(store: AppStore, sessionId: string, paneId: string): Promise<void> {
  await store.loadAgents();
  const agent = store.installedAgents()[0];
  if (!agent) return store.notify('error', 'No agent is installed', 'Install one of the agents listed by `boocode agents`, or add your own.');
  await store.createChat(sessionId, agent.id, paneId);
}

function EmptyPane({ store, sessionId, paneId }: { store: AppStore; sessionId: string; paneId: string }) {
  return (
    <div className="empty-state">
      <p>This pane is empty.</p>
      <div className="empty-actions">
        <button type="button" className="primary" onClick={() => void newChat(store, sessionId, paneId)}>
          Start a chat
        </button>
        <button type="button" onClick={() => void store.createTerminal(sessionId, paneId)}>
          Open a terminal
        </button>
        <button type="button" onClick={() => store.changeLayout(sessionId, { type: 'open', kind: 'changes', targetId: null, paneId })}>
          Show changes
        </button>
      </div>
    </div>
  );
}

function TabBar({ store, sessionId, layout, pane, tabs, number }: { store: AppStore; sessionId: string; layout: LayoutEnvelope; pane: PaneLeaf; tabs: readonly Tab[]; number: number }) {
  function onKeyDown(event: KeyboardEvent, index: number): void {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0 || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length];
    if (!next) return;
    store.changeLayout(sessionId, { type: 'focus', tabId: next.id });
    document.getElementById(`tab-${next.id}`)?.focus();
  }
  return (
    <div
      className="tab-bar"
      role="tablist"
      aria-label={`Tabs of pane ${number}`}
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes(TAB_MIME)) event.preventDefault();
      }}
      onDrop={(event) => {
        const tabId = event.dataTransfer.getData(TAB_MIME);
        if (!tabId) return;
        event.preventDefault();
        store.changeLayout(sessionId, { type: 'move', tabId, paneId: pane.id });
      }}
    >
      {tabs.map((tab, index) => {
        const isActive = tab.id === pane.activeTabId;
        return (
          <div key={tab.id} className={`tab${isActive ? ' active' : ''}${tab.id === layout.focusedTabId ? ' focused' : ''}`}>
            <button
              type="button"
              role="tab"
              id={`tab-${tab.id}`}
              aria-selected={isActive}
              aria-controls={`tabpanel-${tab.id}`}
              tabIndex={isActive ? 0 : -1}
              className="tab-button"
              title={tab.kind === 'terminal' ? 'Double-click to rename' : undefined}
              draggable
              onDragStart={(event) => {
                event.dataTransfer.setData(TAB_MIME, tab.id);
                event.dataTransfer.effectAllowed = 'move';
              }}
              onClick={() => store.changeLayout(sessionId, { type: 'focus', tabId: tab.id })}
              onDoubleClick={() => {
                if (tab.kind === 'terminal' && tab.targetId && store.state.getState().client.terminals[tab.targetId]) store.openDialog({ kind: 'rename-terminal', terminalId: tab.targetId });
              }}
              onKeyDown={(event) => onKeyDown(event, index)}
            >
              <span className="tab-number">{tab.number}</span>
              <TabIcon tab={tab} />
              <TabTitle store={store} sessionId={sessionId} tab={tab} />
            </button>
            <button type="button" className="tab-close" aria-label={`Close tab ${tab.number}`} title="Close tab" onClick={() => void store.closeTab(sessionId, tab.id)}>
              <X size={12} aria-hidden="true" />
            </button>
          </div>
        );
      })}
    </div>
  );
}

function TabIcon({ tab }: { tab: Tab }) {
  if (tab.kind === 'chat') return <MessageSquare size={13} aria-hidden="true" />;
  if (tab.kind === 'changes') return <FileDiff size={13} aria-hidden="true" />;
  return <SquareTerminal size={13} aria-hidden="true" />;
}

function TabTitle({ store, sessionId, tab }: { store: AppStore; sessionId: string; tab: Tab }) {
  const title = useWindow(store, (state) => {
    if (tab.kind === 'chat') return state.client.chats[tab.targetId ?? '']?.title ?? 'Chat';
    if (tab.kind === 'changes') {
      const files = state.client.changes[sessionId]?.files ?? 0;
      return files > 0 ? `Changes (${files})` : 'Changes';
    }
    const terminal = state.client.terminals[tab.targetId ?? ''];
    return terminal ? (terminal.name ?? terminal.title) : 'Terminal';
  });
  const needsYou = useWindow(store, (state) => tab.kind === 'chat' && Object.values(state.client.permissions).some((request) => request.chatId === tab.targetId));
  return (
    <span className="tab-title">
      {title}
      {needsYou && <span className="needs-you" aria-label="waiting for you" />}
    </span>
  );
}

function TabContent({ store, sessionId, tab, isVisible, isFocused }: { store: AppStore; sessionId: string; tab: Tab; isVisible: boolean; isFocused: boolean }) {
  switch (tab.kind) {
    case 'chat':
      return tab.targetId ? <ChatTab store={store} sessionId={sessionId} chatId={tab.targetId} tabId={tab.id} /> : null;
    case 'changes':
      return <ChangesTab store={store} sessionId={sessionId} isVisible={isVisible} />;
    case 'terminal':
      return tab.targetId ? <TerminalTab store={store} sessionId={sessionId} terminalId={tab.targetId} tabNumber={tab.number} isVisible={isVisible} isFocused={isFocused} /> : null;
    default:
      return null;
  }
}
