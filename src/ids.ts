import { monotonicFactory } from 'ulid';

/** Prefixes of the opaque, sortable IDs, and the GraphQL type each one names. */
export const ID_PREFIXES = {
  acc: 'Account',
  key: 'ApiKey',
  agt: 'Agent',
  cnv: 'Conversation',
  msg: 'Message',
  chr: 'Character',
} as const;

export type IdPrefix = keyof typeof ID_PREFIXES;
export type TypeName = (typeof ID_PREFIXES)[IdPrefix];

const PREFIX_BY_TYPE = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([prefix, type]) => [type, prefix]),
) as Record<TypeName, IdPrefix>;

const nextUlid = monotonicFactory();

/** A new ID such as `agt_01JD4S9X6Q0M4W2T8ZK7Y3N5HB`: the prefix, then a ULID (time-ordered). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid()}`;
}

const ID_PATTERN = /^([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The type an ID names, or undefined when it is not one of ours. */
export function typeOfId(id: string): TypeName | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  return ID_PREFIXES[match[1] as IdPrefix];
}

export function prefixOfType(type: string): IdPrefix | undefined {
  return PREFIX_BY_TYPE[type as TypeName];
}
