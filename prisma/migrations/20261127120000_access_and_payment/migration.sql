-- Access and payment: accounts bound to a wallet (sign-in with Ethereum, x402 payers) or to a platform identity
-- provider's claim; per-key model allowlists and spending caps; the wallet a usage row is associated with.
ALTER TABLE "accounts" ADD COLUMN "wallet_address" TEXT;
ALTER TABLE "accounts" ADD COLUMN "idp_subject" TEXT;
CREATE UNIQUE INDEX "accounts_wallet_address_key" ON "accounts"("wallet_address");
CREATE UNIQUE INDEX "accounts_idp_subject_key" ON "accounts"("idp_subject");
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_wallet_address_check" CHECK ("wallet_address" ~ '^0x[0-9a-f]{40}$');

ALTER TABLE "api_keys" ADD COLUMN "allowed_models" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "api_keys" ADD COLUMN "spend_cap" DECIMAL(38,18);

ALTER TABLE "usage_records" ADD COLUMN "wallet_address" TEXT;
CREATE INDEX "usage_records_wallet_address_idx" ON "usage_records"("wallet_address");
