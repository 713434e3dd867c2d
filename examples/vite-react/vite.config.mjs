import { defineConfig } from 'vite';

// JSX through Vite's own esbuild: no plugin needed for this page.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
});
