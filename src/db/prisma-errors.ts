// Prisma's known request errors, by the codes the services act on.

const codeOf = (error: unknown): string | undefined => (error as { code?: string } | null)?.code;

/** A unique constraint refused the write (P2002). */
export const isUniqueViolation = (error: unknown): boolean => codeOf(error) === 'P2002';

/** A foreign key refused the write (P2003): the row it points to is gone. */
export const isForeignKeyViolation = (error: unknown): boolean => codeOf(error) === 'P2003';

/** Prisma's "no such record" (P2025) from a delete or update by key, as null; anything else is rethrown. */
export function nullWhenMissing(error: unknown): null {
  if (codeOf(error) === 'P2025') return null;
  throw error;
}
