-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "enabledPlugins" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "maxToolSteps" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "toolSecret" TEXT;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "toolCalls" JSONB;

-- CreateTable
CREATE TABLE "AgentPlugin" (
    "agentId" TEXT NOT NULL,
    "pluginId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AgentPlugin_pkey" PRIMARY KEY ("agentId","pluginId")
);

-- CreateTable
CREATE TABLE "Tool" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "parameters" JSONB NOT NULL,
    "url" TEXT NOT NULL,
    "timeoutMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Tool_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Tool_agentId_id_idx" ON "Tool"("agentId", "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "Tool_agentId_name_key" ON "Tool"("agentId", "name");

-- AddForeignKey
ALTER TABLE "AgentPlugin" ADD CONSTRAINT "AgentPlugin_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentPlugin" ADD CONSTRAINT "AgentPlugin_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Tool" ADD CONSTRAINT "Tool_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Tool" ADD CONSTRAINT "Tool_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
