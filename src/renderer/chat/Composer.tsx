// The composer: a CodeMirror editor (typing never re-renders the transcript), Enter to send and
// Shift+Enter for a new line (or the other way round, by setting), `/` completing the agent's
// commands and `@` the session's files, pasted images attached when the agent takes them. Its
// button says what it will do: Send, Stop while a turn runs and nothing is typed, Queue when
// something is typed during a turn — with Steer beside it to stop the turn and send this now.
import { acceptCompletion, autocompletion, closeCompletion, completionStatus, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from '@codemirror/commands';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { ImagePlus, Send, Square, ListPlus, Zap, X } from 'lucide-react';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import type { Attachment } from '../../shared/chats.ts';
import type { AppStore } from '../state/store.ts';

export interface ComposerHandle {
  /** Puts text in the editor (a queued prompt taken back to edit). */
  setText(text: string): void;
  focus(): void;
}

export interface ComposerProps {
  store: AppStore;
  chatId: string;
  sessionId: string;
  isRunning: boolean;
  initialDraft: string;
  commands: readonly { name: string; description: string }[];
  canTakeImages: boolean;
  agentName: string;
  enterToSend: boolean;
}

const draftSaveMs = 400;

export const Composer = forwardRef<ComposerHandle, ComposerProps>(function Composer(props, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [isEmpty, setEmpty] = useState(props.initialDraft.trim() === '');
  const [images, setImages] = useState<{ name: string; mimeType: string; data: string }[]>([]);
  const draftTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useImperativeHandle(ref, () => ({
    setText(text) {
      const editor = view.current;
      if (!editor) return;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: { anchor: text.length } });
      editor.focus();
    },
    focus: () => view.current?.focus(),
  }));

  useEffect(() => {
    if (!host.current) return;
    const submitKey = (run: () => boolean) => (editor: EditorView) => {
      // Enter picks a completion when the list is open (also one that is being refreshed).
      if (completionStatus(editor.state) !== null && acceptCompletion(editor)) return true;
      return run();
    };
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: latest.current.initialDraft,
        extensions: [
          history(),
          Prec.highest(
            keymap.of([
              { key: 'Enter', run: submitKey(() => (latest.current.enterToSend ? (void submit('auto'), true) : false)) },
              { key: 'Shift-Enter', run: (editor) => insertNewlineAndIndent(editor) },
              { key: 'Mod-Enter', run: () => (void submit('auto'), true) },
              { key: 'Escape', run: (editor) => (completionStatus(editor.state) ? (closeCompletion(editor), true) : false) },
            ]),
          ),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          placeholder(`Ask ${latest.current.agentName}…  / for commands, @ for files`),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': 'Message', role: 'textbox', 'aria-multiline': 'true' }),
          // No delay: a list on screen is the one Enter picks from, however fast the user types.
          autocompletion({ override: [slashCommands, fileMentions], icons: false, interactionDelay: 0 }),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return;
            const text = update.state.doc.toString();
            setEmpty(text.trim() === '');
            if (draftTimer.current) clearTimeout(draftTimer.current);
            draftTimer.current = setTimeout(() => void saveDraft(text), draftSaveMs);
          }),
          EditorView.domEventHandlers({ paste: (event) => onPaste(event) }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      if (draftTimer.current) {
        clearTimeout(draftTimer.current);
        void saveDraft(editor.state.doc.toString());
      }
      editor.destroy();
      view.current = null;
    };
    // The editor is made once per chat; props are read through `latest`.
  }, [props.chatId]);

  async function saveDraft(text: string): Promise<void> {
    draftTimer.current = undefined;
    const saved = await latest.current.store.call('chats.draft', { chatId: latest.current.chatId, text });
    if (!saved.ok) latest.current.store.reportError('Could not keep the draft', saved.error);
  }

  function slashCommands(context: CompletionContext): CompletionResult | null {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const match = /^\/([\w:.-]*)$/.exec(before);
    if (!match) return null;
    return {
      from: line.from,
      options: latest.current.commands.map((command) => ({ label: `/${command.name}`, detail: command.description, apply: `/${command.name} ` })),
      validFor: /^\/[\w:.-]*$/,
    };
  }

  async function fileMentions(context: CompletionContext): Promise<CompletionResult | null> {
    const word = context.matchBefore(/@[^\s@]*/);
    if (!word || (word.from > 0 && !/\s/.test(context.state.sliceDoc(word.from - 1, word.from)))) return null;
    const found = await latest.current.store.call('sessions.files', { sessionId: latest.current.sessionId, query: word.text.slice(1), limit: 50 });
    if (!found.ok) return null;
    return { from: word.from, options: found.value.map((path) => ({ label: `@${path}`, apply: `@${path} ` })), filter: false };
  }

  function onPaste(event: ClipboardEvent): boolean {
    const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'));
    if (files.length === 0) return false;
    event.preventDefault();
    if (!latest.current.canTakeImages) {
      latest.current.store.notify('info', `${latest.current.agentName} does not take images`, 'Describe what the image shows instead, or switch to an agent that does.');
      return true;
    }
    for (const file of files) {
      const reader = new FileReader();
      reader.onload = () => {
        const data = String(reader.result).replace(/^data:[^,]*,/, '');
        setImages((current) => [...current, { name: file.name || 'pasted image', mimeType: file.type, data }]);
      };
      reader.readAsDataURL(file);
    }
    return true;
  }

  async function submit(intent: 'auto' | 'steer'): Promise<void> {
    const editor = view.current;
    const { store, chatId, isRunning } = latest.current;
    if (!editor) return;
    const text = editor.state.doc.toString();
    if (text.trim() === '') {
      if (isRunning && intent === 'auto') {
        const cancelled = await store.call('chats.cancel', { chatId });
        if (!cancelled.ok) store.reportError('Could not stop the turn', cancelled.error);
      }
      return;
    }
    const attachments: Attachment[] = [
      ...[...text.matchAll(/(?:^|\s)@([^\s@]+)/g)].map((match): Attachment => ({ kind: 'file', path: match[1] ?? '' })),
      ...images.map((image): Attachment => ({ kind: 'image', mimeType: image.mimeType, data: image.data })),
    ];
    const sent = await store.call('chats.send', { chatId, text, attachments: attachments.length > 0 ? attachments : undefined, whenBusy: intent === 'steer' ? 'interrupt' : undefined });
    if (!sent.ok) return store.reportError('Could not send', sent.error);
    // Opened at a turn: the view was held there until now.
    if (store.state.getState().focusTurn?.chatId === chatId) store.clearFocusTurn();
    if (draftTimer.current) clearTimeout(draftTimer.current);
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: '' } });
    setImages([]);
    void saveDraft('');
  }

  const action = !isEmpty ? (props.isRunning ? 'Queue' : 'Send') : props.isRunning ? 'Stop' : 'Send';
  return (
    <div className="composer">
      {images.length > 0 && (
        <ul className="attachments" aria-label="Attached images">
          {images.map((image, index) => (
            <li key={index} className="attachment">
              <ImagePlus size={13} aria-hidden="true" /> {image.name}
              <button type="button" className="icon-button" aria-label={`Remove ${image.name}`} onClick={() => setImages((current) => current.filter((_, position) => position !== index))}>
                <X size={12} aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <div ref={host} className="composer-editor" />
        <div className="composer-actions">
          {props.isRunning && !isEmpty && (
            <button type="button" className="secondary" title="Stop the running turn and send this now" onClick={() => void submit('steer')}>
              <Zap size={14} aria-hidden="true" /> Steer
            </button>
          )}
          <button type="button" className={action === 'Stop' ? 'danger' : 'primary'} disabled={action === 'Send' && isEmpty} onClick={() => void submit('auto')}>
            {action === 'Stop' ? <Square size={13} aria-hidden="true" /> : action === 'Queue' ? <ListPlus size={14} aria-hidden="true" /> : <Send size={14} aria-hidden="true" />}
            {action}
          </button>
        </div>
      </div>
    </div>
  );
});
