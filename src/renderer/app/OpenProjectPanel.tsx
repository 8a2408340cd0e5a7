import { useState, type FormEvent, type RefObject } from 'react';
import type { AppStore } from '../state/store.ts';

export function OpenProjectPanel({ store, pathInput }: { store: AppStore; pathInput: RefObject<HTMLInputElement | null> }) {
  const [path, setPath] = useState('');
  const [isOpening, setOpening] = useState(false);
  const desktop = store.connection.api.desktop;

  async function onSubmit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const trimmed = path.trim();
    if (trimmed === '') return;
    setOpening(true);
    const opened = await store.openProject(trimmed);
    setOpening(false);
    if (opened) setPath('');
  }

  return (
    <section className="open-panel">
      <div className="drop-zone">
        <div className="drop-zone-icon" aria-hidden="true">
          ⇣
        </div>
        <h1>Open a project</h1>
        <p>Drop a project folder anywhere on this window{desktop ? ', or choose one.' : ', or type its path below.'}</p>
        {desktop && (
          <button type="button" className="primary" onClick={() => void store.pickFolder()}>
            Open Folder…
          </button>
        )}
      </div>
      <form className="open-by-path" onSubmit={(event) => void onSubmit(event)}>
        <label htmlFor="project-path">Folder path</label>
        <div className="open-by-path-row">
          <input
            id="project-path"
            ref={pathInput}
            type="text"
            spellCheck={false}
            autoComplete="off"
            placeholder="/home/you/code/my-project"
            value={path}
            onChange={(event) => setPath(event.target.value)}
          />
          <button type="submit" className="primary" disabled={isOpening || path.trim() === ''}>
            {isOpening ? 'Opening…' : 'Open'}
          </button>
        </div>
        <p className="hint">Each session will work in its own git worktree, so your checkout stays as it is until you apply changes.</p>
      </form>
    </section>
  );
}
