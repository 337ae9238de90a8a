import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The dashboard: `vite build --config web/vite.config.ts` writes web/dist, which Baton serves at `/`. */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Content-hashed names under /assets/: the server caches them for a year and never index.html.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2000,
  },
});
