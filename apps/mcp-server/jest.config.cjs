module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'mcp-server',
  rootDir: __dirname,
};
