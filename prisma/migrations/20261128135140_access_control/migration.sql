-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "rotatedFromId" TEXT;

-- CreateTable
CREATE TABLE "MessageUsage" (
    "accountId" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "used" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "MessageUsage_pkey" PRIMARY KEY ("accountId","period")
);

-- AddForeignKey
ALTER TABLE "MessageUsage" ADD CONSTRAINT "MessageUsage_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
