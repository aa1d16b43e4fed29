import type { HttpClient } from './http.js';
import type { ApiResponse, RequestOptions } from './types.js';
import type {
  DeleteMessageFeedbackMutation,
  FeedbackRating,
  MessageFeedbackFieldsFragment,
} from '../rest/generated/operations.js';

export type { FeedbackRating };
/** An end user's rating of an agent's reply: `{messageId, rating, comment, updatedAt}`. */
export type MessageFeedback = MessageFeedbackFieldsFragment;
/** `comment`: at most 2,000 characters, trimmed; empty or null is none. */
export type MessageFeedbackParams = { rating: FeedbackRating; comment?: string | null };
export type DeletedMessageFeedback = DeleteMessageFeedbackMutation['deleteMessageFeedback'];

/** Single messages: feedback on an agent's reply. */
export class Messages {
  constructor(private readonly http: HttpClient) {}

  /**
   * POST /messages/{messageId}/feedback: rates an agent's reply (a second call replaces the first);
   * InvalidRequestError on a user's message.
   */
  feedback(messageId: string, params: MessageFeedbackParams, options?: RequestOptions): Promise<ApiResponse<MessageFeedback>> {
    return this.http.request({ method: 'POST', path: `/messages/${segment(messageId)}/feedback`, body: params }, options);
  }

  /** DELETE /messages/{messageId}/feedback: withdraws it; NotFoundError when there is none. */
  deleteFeedback(messageId: string, options?: RequestOptions): Promise<ApiResponse<DeletedMessageFeedback>> {
    return this.http.request({ method: 'DELETE', path: `/messages/${segment(messageId)}/feedback` }, options);
  }
}

function segment(messageId: string): string {
  if (typeof messageId !== 'string' || messageId === '') throw new TypeError('messageId must be a non-empty string');
  return encodeURIComponent(messageId);
}
