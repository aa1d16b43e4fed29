import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Recorded idempotent answers may hold a secret shown once (a new API key's). They are sealed
 * with AES-256-GCM under a key derived (HKDF-SHA256, random salt per answer) from the secret of
 * the API key that made the request. That secret is never stored (only its SHA-256, from which
 * the HKDF key cannot be derived), and a replay goes only to the same API key, which presents it
 * again: the database, a dump or a backup alone cannot read a recorded answer.
 */
const VERSION = 'v1';
const INFO = Buffer.from('orion idempotent answer v1');

function keyFor(callerSecret: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', callerSecret, salt, INFO, 32));
}

/** `context` binds the answer to its record (who, which key, which request). */
export function sealAnswer(callerSecret: string, context: string, plaintext: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(callerSecret, salt), iv);
  cipher.setAAD(Buffer.from(context));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, salt, iv, cipher.getAuthTag(), sealed].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The answer, or undefined when it cannot be opened with this secret and context. */
export function openAnswer(callerSecret: string, context: string, sealed: string): string | undefined {
  const [version, salt, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || salt === undefined || iv === undefined || tag === undefined || body === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(callerSecret, Buffer.from(salt, 'base64url')), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
