// Builds one app into <app>/dist/main.js with esbuild: workspace libraries (tsconfig paths) are bundled in,
// npm packages stay external and are loaded from node_modules at run time.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';

const appRoot = process.argv[2];
if (!appRoot) throw new Error('usage: node tools/build-app.mjs apps/<name>');
rmSync(path.join(appRoot, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [path.join(appRoot, 'src/main.ts')],
  outfile: path.join(appRoot, 'dist/main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  tsconfig: 'tsconfig.base.json',
  sourcemap: true,
  logLevel: 'warning',
  // libs/testing's fixtures and libs/db's migrations are found relative to the sources: keep those paths true.
  define: {},
});
console.log(`built ${appRoot}/dist/main.js`);
