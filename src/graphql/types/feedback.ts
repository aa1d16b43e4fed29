import { deleteMessageFeedback, FEEDBACK_LIMITS, feedbackOf, setMessageFeedback, type MessageFeedback } from '../../services/feedback.js';
import { builder, requireKey } from '../builder.js';

const FeedbackRatingEnum = builder.enumType('FeedbackRating', {
  description: 'An end user’s verdict on an agent’s reply (analytics count them as satisfaction).',
  values: {
    like: { description: 'The reply helped.' },
    dislike: { description: 'The reply did not help.' },
  } as const,
});

const MessageFeedbackRef = builder.objectRef<MessageFeedback>('MessageFeedback').implement({
  description: 'An end user’s rating of an agent’s reply: one per message, replaceable, withdrawable.',
  fields: (t) => ({
    messageId: t.exposeID('messageId', { description: 'The agent’s reply it rates.' }),
    rating: t.expose('rating', { type: FeedbackRatingEnum, description: 'Like or dislike.' }),
    comment: t.exposeString('comment', { nullable: true, description: 'The end user’s words on the reply; null when none.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last set.' }),
  }),
});

builder.prismaObjectFields('Message', (t) => ({
  feedback: t.field({
    type: MessageFeedbackRef,
    nullable: true,
    description: 'On an agent’s reply: the feedback it was given (null when none).',
    resolve: (message) => feedbackOf(message),
  }),
}));

const MessageFeedbackInput = builder.inputType('MessageFeedbackInput', {
  description: 'A rating of an agent’s reply, with an optional comment; it replaces any earlier one.',
  fields: (t) => ({
    rating: t.field({ type: FeedbackRatingEnum, required: true, description: 'like or dislike.' }),
    comment: t.string({ description: `At most ${FEEDBACK_LIMITS.comment} characters, trimmed; empty or null: no comment.` }),
  }),
});

const DeleteMessageFeedbackPayload = builder
  .objectRef<{ messageId: string; deleted: boolean }>('DeleteMessageFeedbackPayload')
  .implement({
    description: 'What was withdrawn: the feedback on one reply.',
    fields: (t) => ({
      messageId: t.exposeID('messageId', { description: 'The message whose feedback was withdrawn.' }),
      deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
    }),
  });

builder.mutationFields((t) => ({
  setMessageFeedback: t.field({
    type: MessageFeedbackRef,
    description: 'Rates an agent’s reply (like or dislike, with an optional comment); a second call replaces the first.',
    authScopes: { scope: 'messages:write' },
    args: {
      messageId: t.arg.id({ required: true, description: 'The agent’s reply (`msg_…` of a message with role agent).' }),
      input: t.arg({ type: MessageFeedbackInput, required: true, description: 'The rating and comment.' }),
    },
    resolve: (_root, { messageId, input }, ctx) =>
      setMessageFeedback(ctx.prisma, requireKey(ctx).account.id, String(messageId), input, ctx.idempotency?.commit),
  }),
  deleteMessageFeedback: t.field({
    type: DeleteMessageFeedbackPayload,
    description: 'Withdraws the feedback on an agent’s reply (NOT_FOUND when it has none).',
    authScopes: { scope: 'messages:write' },
    args: { messageId: t.arg.id({ required: true, description: 'The agent’s reply (`msg_…`).' }) },
    resolve: async (_root, { messageId }, ctx) => {
      await deleteMessageFeedback(ctx.prisma, requireKey(ctx).account.id, String(messageId), ctx.idempotency?.commit);
      return { messageId: String(messageId), deleted: true };
    },
  }),
}));
