import { z } from 'zod';

/** The longest URL an outbound target (tool, webhook endpoint) may have. */
export const OUTBOUND_URL_MAX_LENGTH = 2_048;

/**
 * An absolute http(s) URL without credentials, as outbound targets need. With `httpsOnly`, plain
 * http is refused too (webhook endpoints, unless the operator allows private networks).
 */
export function outboundUrlSchema(options: { httpsOnly: boolean } = { httpsOnly: false }) {
  return z
    .string()
    .max(OUTBOUND_URL_MAX_LENGTH, `must be at most ${OUTBOUND_URL_MAX_LENGTH} characters`)
    .superRefine((text, ctx) => {
      const url = URL.canParse(text) ? new URL(text) : undefined;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
      } else if (options.httpsOnly && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: 'must be an https:// URL' });
      } else if (url.username || url.password) {
        ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password' });
      }
    });
}
