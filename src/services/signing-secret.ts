import { randomBytes } from 'node:crypto';

/**
 * A new secret to sign outbound requests with (webhooks, custom tools), in the Standard Webhooks
 * form: `whsec_` and the base64 of 32 random bytes.
 */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
