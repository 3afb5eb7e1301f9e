// The thin typed client (issue 13): openapi-fetch over the paths of the
// generated OpenAPI types (generated/openapi.ts), so a request's path,
// parameters, body and answer are checked against the server's document at
// compile time. CSRF, problem details and the 401 handling are api.ts's.
// Used by the knowledge screens; the older screens still use api.ts.

import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/openapi';
import { csrfHeaders, failure, NetworkError } from './api';

const session: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept', 'application/json');
    if (request.method !== 'GET') for (const [k, v] of Object.entries(csrfHeaders())) request.headers.set(k, v);
    return request;
  },
};

export const client = createClient<paths>({ credentials: 'same-origin' });
client.use(session);

interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * The answer's data, or an ApiError with the problem details (a NetworkError
 * when fetch itself failed), as api.ts's `request` throws them.
 */
export async function ok<D>(call: Promise<Answer<D>>): Promise<D> {
  let answer: Answer<D>;
  try {
    answer = await call;
  } catch (e) {
    throw new NetworkError(e);
  }
  if (answer.response.ok) return answer.data as D;
  throw failure(answer.response, answer.error, new URL(answer.response.url || '/', window.location.href).pathname);
}
