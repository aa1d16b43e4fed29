// No imports: GraphQL types, the REST route table and the OpenAPI document all read this table.

/** Something on its way out: when it was deprecated, when it may go, and what to use instead. */
export type Deprecation = {
  /** The day it was deprecated (YYYY-MM-DD, UTC): the `Deprecation` header (RFC 9745). */
  since: string;
  /** The day from which it may be removed, with the next major version: the `Sunset` header (RFC 8594). */
  sunset: string;
  /** What to use instead, in a sentence. */
  instead: string;
};

/** Where users read about deprecations (the `Link: <…>; rel="deprecation"` of REST answers). */
export const DEPRECATION_INFO_URL = 'https://github.com/OrionOS-dev/orionos/blob/main/CHANGELOG.md';

/** Everything deprecated, by where it is: the one source of truth. */
export const DEPRECATIONS = {
  'Query.conversations(agentId:)': {
    since: '2026-11-30',
    sunset: '2027-06-30',
    instead: 'Use `filter: {agentId}`, which combines with the other filters.',
  },
  'Query.conversations(userId:)': {
    since: '2026-11-30',
    sunset: '2027-06-30',
    instead: 'Use `filter: {userId}`, which combines with the other filters.',
  },
} as const satisfies Record<string, Deprecation>;

/** GraphQL's `@deprecated(reason:)` and OpenAPI's wording. */
export function deprecationReason(deprecation: Deprecation): string {
  return `${deprecation.instead} Deprecated since ${deprecation.since}; may be removed from ${deprecation.sunset}, in the next major version.`;
}

const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);

/** The headers of a REST answer that used something deprecated. */
export function deprecationHeaders(deprecation: Deprecation): Record<'Deprecation' | 'Sunset' | 'Link', string> {
  return {
    Deprecation: `@${dayStart(deprecation.since).getTime() / 1000}`,
    Sunset: dayStart(deprecation.sunset).toUTCString(),
    Link: `<${DEPRECATION_INFO_URL}>; rel="deprecation"`,
  };
}
