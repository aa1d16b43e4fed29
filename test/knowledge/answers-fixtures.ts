import { indexDocument } from '../../src/services/knowledge/indexing.js';
import type { TestApp } from '../support/app.js';

export const MANUAL = `# Orbit coffee machine

## Descaling
Descale the machine every 200 cups. Fill the tank with one litre of water and 50 ml of citric acid, then hold the steam button for five seconds.

## Warranty
The warranty lasts three years from the date of purchase and covers the pump and the heater. It does not cover damage from limescale.

## Cleaning the milk frother
Rinse the frother with warm water after every use. Once a week, soak the frother tip in hot soapy water for ten minutes.`;

/** Indexes a document in the account and attaches it to the agent, as the upload API does. */
export async function attachDocument(
  app: TestApp,
  accountId: string,
  agentId: string,
  doc: { title: string; content: string; format?: 'text' | 'markdown' },
): Promise<string> {
  const { document } = await app.db.prisma.$transaction((tx) =>
    indexDocument(tx, accountId, { format: 'markdown', language: 'english', ...doc }),
  );
  await app.db.prisma.agentKnowledge.create({ data: { agentId, documentId: document.id, accountId } });
  return document.id;
}
