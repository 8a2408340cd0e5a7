// Where a worker thread's file is: beside this one when the core runs from source (Node strips
// the types), a level up from the shared chunk in the bundle (electron-vite builds each worker
// as its own entry). The names go through a list, not literals in `new URL`, so that the
// bundler leaves them alone.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function workerFile(name: string): URL | undefined {
  const candidates = [`./${name}.ts`, `../${name}.js`, `./${name}.js`];
  for (const candidate of candidates) {
    const url = new URL(candidate, import.meta.url);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}
