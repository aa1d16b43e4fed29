import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the next answers behave: vectors, an HTTP error, a body that is not the protocol's, or too slow. */
export type EmbeddingMode = 'ok' | '500' | 'malformed' | 'slow';

export type EmbeddingServer = {
  baseUrl: string;
  mode: EmbeddingMode;
  /** Every request's body ({model, input}). */
  requests: { model: string; input: string[]; authorization: string | undefined }[];
  close(): Promise<void>;
};

export const EMBEDDING_DIMENSIONS = 64;

/** Words the fake model takes for one meaning (its only "semantics"), by their first member. */
const SYNONYMS: string[][] = [
  ['cat', 'cats', 'kitten', 'kittens', 'feline', 'felines'],
  ['dog', 'dogs', 'puppy', 'puppies', 'canine'],
];
const CANONICAL = new Map(SYNONYMS.flatMap((group) => group.map((word) => [word, group[0]!] as const)));

function bucket(word: string): number {
  let hash = 2166136261;
  for (const ch of word) hash = Math.imul(hash ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return hash % EMBEDDING_DIMENSIONS;
}

/**
 * A deterministic embedding: the text's words (lower-cased, synonyms folded) hashed into
 * EMBEDDING_DIMENSIONS buckets, counted. Texts about the same things point the same way.
 */
export function bagOfWords(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) vector[bucket(CANONICAL.get(word) ?? word)]! += 1;
  return vector;
}

/** Speaks OpenAI's embeddings API (POST /v1/embeddings) on loopback. */
export async function startEmbeddingServer(): Promise<EmbeddingServer> {
  const state: EmbeddingServer = { baseUrl: '', mode: 'ok', requests: [], close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    state.requests.push({ model: body.model, input: body.input, authorization: req.headers.authorization });
    if (req.url !== '/v1/embeddings' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    if (state.mode === '500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Internal error', type: 'server_error' } }));
      return;
    }
    if (state.mode === 'slow') {
      const timer = setTimeout(() => res.end(), 60_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (state.mode === 'malformed') {
      res.end(JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: 'not a vector' }] }));
      return;
    }
    const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
    res.end(
      JSON.stringify({
        object: 'list',
        model: body.model,
        data: input.map((text, index) => ({ object: 'embedding', index, embedding: bagOfWords(text) })),
        usage: { prompt_tokens: input.length, total_tokens: input.length },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
