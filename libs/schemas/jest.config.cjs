module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'schemas',
  rootDir: __dirname,
};
