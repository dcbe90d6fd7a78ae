-- AlterTable
ALTER TABLE "usage_records" ADD COLUMN     "exceeded_reservation" BOOLEAN NOT NULL DEFAULT false;
