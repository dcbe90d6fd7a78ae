-- Admission: rate limits per account and per key (NULL = the configured default), account suspension, a version
-- of each account's debt (raised with every change, so the gateway's Redis view keeps only the newest), and when a
-- key was last used (kept by the billing worker).
ALTER TABLE "accounts" ADD COLUMN "debt_version" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "accounts" ADD COLUMN "rpm_limit" INTEGER;
ALTER TABLE "accounts" ADD COLUMN "tpm_limit" INTEGER;
ALTER TABLE "accounts" ADD COLUMN "suspended_at" TIMESTAMPTZ(3);
ALTER TABLE "api_keys" ADD COLUMN "rpm_limit" INTEGER;
ALTER TABLE "api_keys" ADD COLUMN "tpm_limit" INTEGER;
ALTER TABLE "api_keys" ADD COLUMN "last_used_at" TIMESTAMPTZ(3);
