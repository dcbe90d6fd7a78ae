import * as production from '../index';
import * as testing from './index';

describe('@tollgate/db/testing', () => {
  it('holds the test support, which the production entry (bundled into the apps) does not export', () => {
    expect(Object.keys(testing).sort()).toEqual(['TEST_DATABASE_URL', 'createTestDatabase']);
    for (const name of Object.keys(testing)) expect(Object.keys(production)).not.toContain(name);
  });
});
