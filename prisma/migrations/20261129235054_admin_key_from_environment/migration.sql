-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "fromEnvironment" BOOLEAN NOT NULL DEFAULT false;

-- Earlier versions marked the key made from ORION_ADMIN_KEY by its name only. Carry that over
-- for keys no tenant could have made: operator (admin) keys of that name not made by a rotation.
UPDATE "ApiKey" SET "fromEnvironment" = true
WHERE "name" = 'ORION_ADMIN_KEY' AND 'admin' = ANY("scopes") AND "rotatedFromId" IS NULL;
