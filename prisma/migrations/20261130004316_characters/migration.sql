-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "characterId" TEXT,
ADD COLUMN     "characterRevision" INTEGER;

-- CreateTable
CREATE TABLE "Character" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "fields" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Character_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CharacterRevision" (
    "characterId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "fields" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CharacterRevision_pkey" PRIMARY KEY ("characterId","number")
);

-- CreateIndex
CREATE INDEX "Character_accountId_id_idx" ON "Character"("accountId", "id" DESC);

-- CreateIndex
CREATE INDEX "Agent_characterId_idx" ON "Agent"("characterId");

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_characterId_fkey" FOREIGN KEY ("characterId") REFERENCES "Character"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Character" ADD CONSTRAINT "Character_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CharacterRevision" ADD CONSTRAINT "CharacterRevision_characterId_fkey" FOREIGN KEY ("characterId") REFERENCES "Character"("id") ON DELETE CASCADE ON UPDATE CASCADE;
