#!/usr/bin/env node
// `tollgate-mcp`: the MCP stdio server over the tollgate gateway. Runs the built bundle when present
// (npm start / npm run build make it), otherwise the TypeScript sources through tsx.
// stdout carries the MCP protocol: nothing else may be written to it.
const { existsSync } = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '../dist/main.js');
if (existsSync(bundle)) {
  require(bundle);
} else {
  process.env.TSX_TSCONFIG_PATH ??= path.join(__dirname, '../../../tsconfig.base.json');
  require('tsx/cjs');
  require('../src/main.ts');
}
