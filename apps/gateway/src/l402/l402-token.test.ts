import { createHash, randomBytes } from 'node:crypto';
import { importMacaroon } from 'macaroon';
import { encodeMacaroonV2 } from './macaroon-binary';
import { L402Error, mintL402Macaroon, parseL402Authorization, verifyL402 } from './l402-token';

describe('L402 credentials', () => {
  const rootKey = randomBytes(32);
  const preimage = randomBytes(32).toString('hex');
  const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
  const inAnHour = new Date(Date.now() + 3_600_000);
  const mint = (overrides: Partial<Parameters<typeof mintL402Macaroon>[0]> = {}) =>
    mintL402Macaroon({ rootKey, paymentHash, amountSats: 2_000, amountUsd: '1.94', expiresAt: inAnHour, ...overrides });

  it('verifies a macaroon with the preimage of its invoice, and says what was paid', () => {
    const grant = verifyL402({ rootKey, macaroon: mint(), preimage });
    expect(grant).toMatchObject({ paymentHash, amountSats: 2_000, amountUsd: '1.94' });
    expect(Math.abs(grant.expiresAt.getTime() - inAnHour.getTime())).toBeLessThan(1_000);
  });

  it('refuses a wrong preimage', () => {
    expect(() => verifyL402({ rootKey, macaroon: mint(), preimage: randomBytes(32).toString('hex') })).toThrow(new L402Error('The L402 preimage does not match the invoice that was paid.'));
  });

  it('refuses a macaroon signed with another root key, or with a caveat added by the holder', () => {
    expect(() => verifyL402({ rootKey: randomBytes(32), macaroon: mint(), preimage })).toThrow(L402Error);
    // A holder can add caveats (that only narrows it), but cannot change the signed ones: an edited amount fails.
    const edited = Buffer.from(mint(), 'base64');
    const at = edited.indexOf(Buffer.from('amount_sats=2000'));
    edited.write('amount_sats=9000', at);
    expect(() => verifyL402({ rootKey, macaroon: edited.toString('base64'), preimage })).toThrow(new L402Error('The L402 macaroon does not verify.'));
    const widened = importMacaroon(mint());
    widened.addFirstPartyCaveat('amount_sats=9000');
    expect(() => verifyL402({ rootKey, macaroon: encodeMacaroonV2(widened).toString('base64'), preimage })).toThrow(L402Error);
  });

  it('refuses an expired credential', () => {
    const expired = mint({ expiresAt: new Date(Date.now() - 1_000) });
    expect(() => verifyL402({ rootKey, macaroon: expired, preimage })).toThrow(new L402Error('The L402 credential has expired.'));
  });

  it('serializes to the V2 binary format the macaroon package reads back, signature and caveats intact', () => {
    const macaroon = importMacaroon(mint());
    const again = importMacaroon(encodeMacaroonV2(macaroon).toString('base64'));
    expect(again.exportJSON()).toEqual(macaroon.exportJSON());
    expect(macaroon.caveats).toHaveLength(4);
  });

  it('reads the Authorization header, L402 and the older LSAT scheme, and nothing else', () => {
    const macaroon = mint();
    expect(parseL402Authorization(`L402 ${macaroon}:${preimage}`)).toEqual({ macaroon, preimage });
    expect(parseL402Authorization(`LSAT ${macaroon}:${preimage.toUpperCase()}`)).toEqual({ macaroon, preimage });
    expect(parseL402Authorization(`Bearer ${macaroon}`)).toBeUndefined();
    expect(parseL402Authorization(`L402 ${macaroon}:nothex`)).toBeUndefined();
    expect(parseL402Authorization(`L402 ${'A'.repeat(5_000)}:${preimage}`)).toBeUndefined();
  });
});
