-- USAGE_RETENTION_DAYS: the billing worker deletes raw usage rows by the time their request started, a few thousand
-- at a time, oldest first. Without this index every chunk (and the last one, which finds nothing) would scan the
-- whole table.
CREATE INDEX "usage_records_started_at_idx" ON "usage_records"("started_at");
