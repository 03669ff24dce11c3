import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is served from app://lading (Electron) and from the browser bridge under a strict CSP
// (`script-src 'self'`, `connect-src 'self'`: the meta tag in index.html says the same, so the dev server's
// own-origin HMR socket is the only one allowed), so: relative asset URLs, no inline scripts, no module
// preload polyfill.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { host: '127.0.0.1' },
});
