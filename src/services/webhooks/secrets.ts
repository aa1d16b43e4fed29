import { openAnswer, sealAnswer } from '../answer-seal.js';

/** How long a rotated-out secret keeps signing beside the new one. */
export const PREVIOUS_SECRET_VALIDITY_MS = 24 * 3600 * 1000;

const sealContext = (endpointId: string) => `webhook-secret:${endpointId}`;

/** An endpoint's signing secret, sealed (AES-256-GCM) under the server key and bound to the endpoint. */
export function sealWebhookSecret(serverKey: string, endpointId: string, secret: string): string {
  return sealAnswer(serverKey, sealContext(endpointId), secret);
}

export function openWebhookSecret(serverKey: string, endpointId: string, sealed: string): string | undefined {
  return openAnswer(serverKey, sealContext(endpointId), sealed);
}

type SealedSecrets = {
  id: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
};

/**
 * The secrets a delivery to the endpoint is signed with: its own, then the one a rotation
 * replaced while that one is still valid (both signatures are sent meanwhile).
 */
export function signingSecretsOf(serverKey: string, endpoint: SealedSecrets, now = new Date()): string[] {
  const secrets = [openWebhookSecret(serverKey, endpoint.id, endpoint.secret)];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(openWebhookSecret(serverKey, endpoint.id, endpoint.previousSecret));
  }
  return secrets.filter((s): s is string => s !== undefined);
}
