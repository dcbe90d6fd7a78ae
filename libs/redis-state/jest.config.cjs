module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'redis-state',
  rootDir: __dirname,
};
