import { SEARCH_LIMITS, SNIPPET_MARKS, type ConversationMatch, type SearchedConversation } from '../../services/conversation-search.js';
import { builder } from '../builder.js';

const MatchRole = builder.enumType('ConversationMatchRole', {
  description: 'Who wrote the matched message.',
  values: {
    user: { description: 'The end user.' },
    agent: { description: 'The agent (a reply).' },
  } as const,
});

const ConversationMatchRef = builder.objectRef<ConversationMatch>('ConversationMatch').implement({
  description: 'The message of a conversation that best matched a search’s `q`.',
  fields: (t) => ({
    messageId: t.exposeID('messageId', { description: 'The matched message (`msg_…`).' }),
    role: t.expose('role', { type: MatchRole, description: 'Who wrote it: user or agent.' }),
    snippet: t.exposeString('snippet', {
      description: `Plain text (not HTML) around the matched words, each marked ${SNIPPET_MARKS.start}like this${SNIPPET_MARKS.stop}: up to about 35 words of the message around its best matching words.`,
    }),
    rank: t.exposeFloat('rank', { description: 'PostgreSQL’s ts_rank_cd of the message: higher is a stronger match.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the matched message was sent.' }),
  }),
});

builder.prismaObjectFields('Conversation', (t) => ({
  match: t.field({
    type: ConversationMatchRef,
    nullable: true,
    description: 'Only in the answer to a search with `q` (Query.conversations): its best-matching message. Null otherwise.',
    resolve: (conversation) => (conversation as SearchedConversation).match ?? null,
  }),
}));

export const ConversationFilterInput = builder.inputType('ConversationFilter', {
  description: 'Every field optional, all combinable.',
  fields: (t) => ({
    agentId: t.id({ description: 'One agent’s conversations.' }),
    userId: t.string({ description: 'One end user’s conversations.' }),
    q: t.string({
      description: `Full-text search (English stemming; web-search syntax: "quoted phrase", or, -word), 1–${SEARCH_LIMITS.q} characters: only conversations with a matching message, best match first.`,
    }),
    from: t.field({ type: 'DateTime', description: 'From this time on (inclusive): the matched message’s time with q, else the conversation’s lastMessageAt.' }),
    to: t.field({ type: 'DateTime', description: 'Before this time (exclusive), as `from`.' }),
  }),
});
