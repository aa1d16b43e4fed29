import type { PrismaClient } from '../db/client.js';
import type { Agent } from '../db/generated/prisma/client.js';
import { invalidRequest } from '../errors.js';
import type { CharacterFields } from './character-input.js';
import { characterFields, characterNotFound, isCharacterId } from './characters.js';

/** The character an agent speaks as: the revision it is pinned to, or the latest one. */
export type AgentCharacter = Required<CharacterFields> & { id: string; revision: number };

/** An agent with its character resolved (null: it has none). */
export type AgentWithCharacter = Agent & { character: AgentCharacter | null };

/**
 * Checks the character reference an agent would have after a write: the character must be one of
 * the account's (else NOT_FOUND, never saying whether it exists elsewhere) and a pinned revision
 * must exist (else INVALID_REQUEST naming `characterRevision`).
 */
export async function checkCharacterReference(
  prisma: PrismaClient,
  accountId: string,
  reference: { characterId: string | null; characterRevision: number | null },
): Promise<void> {
  const { characterId, characterRevision } = reference;
  if (characterId === null) {
    if (characterRevision !== null) {
      throw invalidRequest([{ field: 'characterRevision', message: 'needs a characterId' }]);
    }
    return;
  }
  const character = isCharacterId(characterId)
    ? await prisma.character.findFirst({ where: { id: characterId, accountId }, select: { revision: true } })
    : null;
  if (!character) throw characterNotFound(characterId);
  if (characterRevision !== null && characterRevision > character.revision) {
    throw invalidRequest([
      { field: 'characterRevision', message: `the character has no revision ${characterRevision} (latest: ${character.revision})` },
    ]);
  }
}

/** The agent with the character it speaks as (its pinned revision, or the latest). */
export async function withCharacter(prisma: PrismaClient, agent: Agent): Promise<AgentWithCharacter> {
  if (!agent.characterId) return { ...agent, character: null };
  const row =
    agent.characterRevision === null
      ? await prisma.character.findFirst({ where: { id: agent.characterId, accountId: agent.accountId } })
      : await prisma.characterRevision.findFirst({
          where: { characterId: agent.characterId, number: agent.characterRevision, character: { accountId: agent.accountId } },
        });
  if (!row) return { ...agent, character: null };
  const revision = 'number' in row ? row.number : row.revision;
  return { ...agent, character: { ...characterFields(row), id: agent.characterId, revision } };
}
