/**
 * The daily rollups (`usage_daily`) are keyed by account × UTC day × API key × provider × model; usage without an
 * API key (a wallet, an L402 payment) is rolled up under this nil UUID, since a key column of the primary key cannot
 * be null.
 */
export const NO_KEY = '00000000-0000-0000-0000-000000000000';
