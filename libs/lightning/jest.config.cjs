module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'lightning',
  rootDir: __dirname,
};
