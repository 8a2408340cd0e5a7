import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './client/index.ts';
import { createAppStore } from './state/store.ts';
import { Shell } from './workspace/Shell.tsx';
import './styles.css';

const store = createAppStore(connect());
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Shell store={store} />
    </StrictMode>,
  );
}
