import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/shared/csp.ts';

// The built page carries its CSP as a meta tag, so it holds in Electron (file://) and in the
// browser alike. The dev server is left without it: React's refresh preamble is inline.
function cspMeta(): Plugin {
  return {
    name: 'boocode-csp-meta',
    apply: 'build',
    transformIndexHtml: (html) =>
      html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}" />`),
  };
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/shell/index.ts'),
          cli: resolve('src/main/cli/index.ts'),
          // Worker threads' own entries (terminal screens, terminal ptys), found beside the chunks at run time.
          screenWorker: resolve('src/main/terminals/screenWorker.ts'),
          ptyWorker: resolve('src/main/terminals/ptyWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    build: {
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
    plugins: [react(), cspMeta()],
  },
});
