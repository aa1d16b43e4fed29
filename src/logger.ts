import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; credentials are redacted wherever they could appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
        '*.apiKey',
        '*.secret',
        'secret',
        // Agents' tool-signing secrets, sealed or not, and the server key sealing them.
        '*.signingSecret',
        'signingSecret',
        '*.toolSecret',
        'toolSecret',
        '*.serverKey',
        'serverKey',
        '*.secretKey',
        'secretKey',
      ],
      censor: '[redacted]',
    },
  });
}
