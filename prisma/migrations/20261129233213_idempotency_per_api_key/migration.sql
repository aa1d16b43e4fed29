-- Records become per API key, and answers are kept sealed: the old ones (at most 24 h of
-- retries, some holding plaintext secrets) are dropped rather than carried over.
DELETE FROM "IdempotencyRecord";

-- AlterEnum
ALTER TYPE "IdempotencyState" ADD VALUE 'committed';

-- DropForeignKey
ALTER TABLE "IdempotencyRecord" DROP CONSTRAINT "IdempotencyRecord_accountId_fkey";

-- AlterTable
ALTER TABLE "IdempotencyRecord" DROP CONSTRAINT "IdempotencyRecord_pkey",
DROP COLUMN "accountId",
ADD COLUMN     "apiKeyId" TEXT NOT NULL,
ADD COLUMN     "outcome" JSONB,
ADD CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("apiKeyId", "key");

-- AddForeignKey
ALTER TABLE "IdempotencyRecord" ADD CONSTRAINT "IdempotencyRecord_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
