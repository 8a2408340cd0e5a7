import type { Store } from '../state/store.ts';
import { useStore } from '../state/store.ts';

export function Toasts({ store }: { store: Store }) {
  const toasts = useStore(store, (state) => state.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast ${toast.tone}`} role={toast.tone === 'error' ? 'alert' : undefined}>
          <div className="toast-text">
            <strong>{toast.title}</strong>
            {toast.detail && <span>{toast.detail}</span>}
          </div>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => store.dismissToast(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
