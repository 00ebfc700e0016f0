// Bundles electron/preload into one CommonJS file: a sandboxed preload can't load ESM or node_modules.
import { build } from 'vite';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    outDir: join(root, 'dist', 'preload'),
    emptyOutDir: true,
    minify: false,
    lib: { entry: join(root, 'electron', 'preload', 'index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
