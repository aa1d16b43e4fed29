import { z } from 'zod';

// Apart from messages.ts (the turn path), so the services that only validate a userId do not
// load it, nor what it loads (knowledge retrieval, prompts, tools).

export const MESSAGE_LIMITS = { text: 16_000, userId: 128, history: 100 } as const;

export const USER_ID_PATTERN = /^[A-Za-z0-9._:@+-]+$/;

export const userIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MESSAGE_LIMITS.userId, `must be at most ${MESSAGE_LIMITS.userId} characters`)
  .regex(USER_ID_PATTERN, 'may contain only letters, digits and . _ : @ + -');
