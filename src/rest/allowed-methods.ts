import type { Request, RequestHandler, Response } from 'express';
import { sendError } from './envelope.js';

/** The Allow header of a path served with these methods: HEAD comes with GET, OPTIONS always. */
export function allowHeader(methods: string[]): string {
  return [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
}

/**
 * Every other method on a known path: OPTIONS answers 204, anything else 405 METHOD_NOT_ALLOWED;
 * both with the Allow header.
 */
export function otherMethods(methods: string[], publicPath: string): RequestHandler {
  const allow = allowHeader(methods);
  return (req: Request, res: Response) => {
    res.set('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    sendError(res, {
      code: 'METHOD_NOT_ALLOWED',
      message: `${req.method} is not allowed on ${publicPath}; allowed: ${allow}`,
      details: { allowed: allow.split(', ') },
    });
  };
}
