import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** How often an idle multipart subscription gets an empty part (`{}`), as the protocol suggests. */
const HEARTBEAT_MS = 5_000;
const BOUNDARY = 'graphql';

function asksForMultipartSubscriptions(request: Request): boolean {
  return (request.headers.get('accept') ?? '')
    .split(',')
    .some((type) => {
      const [mediaType, ...parameters] = type.split(';').map((part) => part.trim().toLowerCase());
      return mediaType === 'multipart/mixed' && parameters.some((p) => p.replace(/"/g, '') === 'subscriptionspec=1.0');
    });
}

function part(json: unknown): string {
  return `\r\n--${BOUNDARY}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(json)}`;
}

/** Strips what Yoga strips from a regular response: the HTTP-only extension of each error. */
function withoutHttp(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((error) => {
      const json = error.toJSON();
      const { http: _http, ...extensions } = (json.extensions ?? {}) as Record<string, unknown>;
      return { ...json, extensions } as never;
    }),
  };
}

/**
 * Subscriptions over multipart HTTP (Apollo Client's default for subscriptions over HttpLink:
 * `Accept: multipart/mixed;subscriptionSpec=1.0`). Yoga serves multipart for queries only; for a
 * subscription it answers 406. Each event is a part `{"payload": <result>}`, an idle stream gets
 * `{}` heartbeats, and the body ends with the closing boundary. A subscription refused before it
 * starts (no key, unknown agent) is a plain JSON answer, which these clients read too.
 */
export function multipartSubscriptions(): Plugin {
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      if (!(Symbol.asyncIterator in (result as object)) || !asksForMultipartSubscriptions(request)) return;
      setResultProcessor((events, fetchAPI) => {
        const encoder = new fetchAPI.TextEncoder();
        const iterator = (events as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
        let heartbeat: ReturnType<typeof setInterval> | undefined;
        const body = new fetchAPI.ReadableStream<Uint8Array>({
          start(controller) {
            heartbeat = setInterval(() => controller.enqueue(encoder.encode(part({}))), HEARTBEAT_MS);
          },
          async pull(controller) {
            try {
              const { done, value } = await iterator.next();
              if (done) {
                clearInterval(heartbeat);
                controller.enqueue(encoder.encode(`\r\n--${BOUNDARY}--\r\n`));
                controller.close();
                return;
              }
              controller.enqueue(encoder.encode(part({ payload: withoutHttp(value) })));
            } catch (error) {
              clearInterval(heartbeat);
              controller.error(error);
            }
          },
          async cancel() {
            clearInterval(heartbeat);
            await iterator.return?.();
          },
        });
        return new fetchAPI.Response(body, {
          status: 200,
          headers: {
            'Content-Type': `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
            'Cache-Control': 'no-store',
          },
        });
      }, 'multipart/mixed');
    },
  };
}
