-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "enabledMcpServers" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "McpServer" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "url" TEXT NOT NULL,
    "headerNames" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "headers" TEXT,
    "timeoutMs" INTEGER NOT NULL,
    "tools" JSONB NOT NULL DEFAULT '[]',
    "toolsListedAt" TIMESTAMPTZ(3),
    "lastError" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "McpServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentMcpServer" (
    "agentId" TEXT NOT NULL,
    "mcpServerId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "tools" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allTools" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AgentMcpServer_pkey" PRIMARY KEY ("agentId","mcpServerId")
);

-- CreateIndex
CREATE INDEX "McpServer_accountId_id_idx" ON "McpServer"("accountId", "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "McpServer_accountId_name_key" ON "McpServer"("accountId", "name");

-- CreateIndex
CREATE INDEX "AgentMcpServer_mcpServerId_idx" ON "AgentMcpServer"("mcpServerId");

-- AddForeignKey
ALTER TABLE "McpServer" ADD CONSTRAINT "McpServer_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentMcpServer" ADD CONSTRAINT "AgentMcpServer_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentMcpServer" ADD CONSTRAINT "AgentMcpServer_mcpServerId_fkey" FOREIGN KEY ("mcpServerId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentMcpServer" ADD CONSTRAINT "AgentMcpServer_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
