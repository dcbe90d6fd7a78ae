// One-off scaffolding helper kept for adding projects: writes project.json, tsconfig.json,
// jest.config.cjs and eslint.config.mjs for a project. Usage: node tools/write-project-files.mjs <root> <name> <tags...>
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const [root, name, ...tags] = process.argv.slice(2);
const up = path.relative(root, '.') || '.';
mkdirSync(root, { recursive: true });
const isApp = root.startsWith('apps/');
const write = (file, text) => { if (!existsSync(path.join(root, file))) writeFileSync(path.join(root, file), text); };
const targets = {
  typecheck: { executor: 'nx:run-commands', options: { command: `tsc -p ${root}/tsconfig.json --noEmit` } },
};
if (isApp) {
  targets.build = {
    executor: 'nx:run-commands',
    outputs: ['{projectRoot}/dist'],
    options: { command: `node tools/build-app.mjs ${root}` },
  };
}
write('project.json', JSON.stringify({ name, $schema: `${up}/node_modules/nx/schemas/project-schema.json`, sourceRoot: `${root}/src`, projectType: isApp ? 'application' : 'library', tags, targets }, null, 2) + '\n');
write('tsconfig.json', JSON.stringify({ extends: `${up}/tsconfig.base.json`, include: ['src/**/*.ts'] }, null, 2) + '\n');
write('jest.config.cjs', `module.exports = {\n  ...require('${up}/jest.preset.cjs'),\n  displayName: '${name}',\n  rootDir: __dirname,\n};\n`);
write('eslint.config.mjs', `import baseConfig from '${up}/eslint.config.mjs';\n\nexport default [...baseConfig];\n`);
