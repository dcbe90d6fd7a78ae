-- Admin billing: money in (top-ups and settlements as payments, each with its ledger entry), daily usage rollups
-- kept by the billing worker in the batch transaction, and an audit log of every admin write.

-- A payment: money that lowers an account's debt. A top-up is prepaid credit, a settlement pays debt off with an
-- external reference (an invoice number, a transaction hash). Its ledger entry carries the negative amount.
-- `idempotency_key` + `body_hash`: the same key with the same body returns the first payment; another body is refused.
CREATE TABLE "payments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" DECIMAL(38,18) NOT NULL,
    "reference" TEXT,
    "description" TEXT,
    "idempotency_key" TEXT,
    "body_hash" CHAR(64),
    "actor" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "payments_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "payments_kind_check" CHECK ("kind" IN ('topup', 'settlement')),
    CONSTRAINT "payments_amount_check" CHECK ("amount" > 0)
);
CREATE UNIQUE INDEX "payments_account_id_idempotency_key_key" ON "payments"("account_id", "idempotency_key");
CREATE INDEX "payments_account_id_created_at_idx" ON "payments"("account_id", "created_at");
ALTER TABLE "payments" ADD CONSTRAINT "payments_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

ALTER TABLE "ledger_entries" ADD COLUMN "payment_id" UUID;
CREATE UNIQUE INDEX "ledger_entries_payment_id_key" ON "ledger_entries"("payment_id");
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Lightning top-ups recorded before payments existed become payments too, so every top-up has one.
WITH backfill AS (
    SELECT id AS entry_id, gen_random_uuid() AS payment_id, account_id, -amount AS amount, request_id, description, created_at
    FROM "ledger_entries" WHERE "kind" = 'topup' AND "payment_id" IS NULL
), inserted AS (
    INSERT INTO "payments" ("id", "account_id", "kind", "amount", "reference", "description", "actor", "created_at")
    SELECT payment_id, account_id, 'topup', amount, request_id, description, 'lightning', created_at FROM backfill
)
UPDATE "ledger_entries" AS l SET "payment_id" = b.payment_id FROM backfill b WHERE l.id = b.entry_id;

-- Usage per account × key × provider × model × UTC day (of the request's start). No key = the nil UUID, so the
-- key is part of the primary key.
CREATE TABLE "usage_daily" (
    "day" DATE NOT NULL,
    "account_id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "requests" BIGINT NOT NULL,
    "input_tokens" BIGINT NOT NULL,
    "output_tokens" BIGINT NOT NULL,
    "reasoning_tokens" BIGINT NOT NULL,
    "cache_read_tokens" BIGINT NOT NULL,
    "cache_write_tokens" BIGINT NOT NULL,
    "base_cost" DECIMAL(38,18) NOT NULL,
    "commission" DECIMAL(38,18) NOT NULL,
    "total_cost" DECIMAL(38,18) NOT NULL,
    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("account_id", "day", "api_key_id", "provider", "model")
);
CREATE INDEX "usage_daily_day_idx" ON "usage_daily"("day");
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

INSERT INTO "usage_daily"
SELECT (started_at AT TIME ZONE 'UTC')::date, account_id, COALESCE(api_key_id, '00000000-0000-0000-0000-000000000000'), provider, model,
       count(*), sum(input_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
       sum(base_cost), sum(commission), sum(total_cost)
FROM "usage_records" GROUP BY 1, 2, 3, 4, 5;

-- Every admin write: who, what, on what, the state before and after.
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_log_target_idx" ON "audit_log"("target_type", "target_id");
