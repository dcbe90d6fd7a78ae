-- CreateTable
CREATE TABLE "lightning_charges" (
    "id" TEXT NOT NULL,
    "payment_hash" CHAR(64) NOT NULL,
    "payment_request" TEXT NOT NULL,
    "backend" TEXT NOT NULL,
    "amount_sats" BIGINT NOT NULL,
    "amount_usd" DECIMAL(38,18) NOT NULL,
    "btc_usd_rate" DECIMAL(38,18) NOT NULL,
    "duration_hours" INTEGER NOT NULL,
    "account_id" UUID,
    "api_key_id" UUID,
    "credited_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lightning_charges_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "lightning_charges_payment_hash_key" ON "lightning_charges"("payment_hash");

-- AddForeignKey
ALTER TABLE "lightning_charges" ADD CONSTRAINT "lightning_charges_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lightning_charges" ADD CONSTRAINT "lightning_charges_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
