// Shared by the workspace bins (`tollgate`, `tollgate-mcp`): run an app's built bundle when present (npm run build
// makes it), otherwise its TypeScript sources through tsx.
const { existsSync } = require('node:fs');
const path = require('node:path');

module.exports = function runAppBin(appDirectory) {
  const bundle = path.join(appDirectory, 'dist/main.js');
  if (existsSync(bundle)) {
    require(bundle);
    return;
  }
  process.env.TSX_TSCONFIG_PATH ??= path.join(__dirname, '../tsconfig.base.json');
  require('tsx/cjs');
  require(path.join(appDirectory, 'src/main.ts'));
};
