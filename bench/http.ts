/** Small HTTP helpers for the set-up steps (never used to measure throughput). */

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export async function call(
  port: number,
  method: string,
  path: string,
  options: { token?: string; json?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
  const text = await response.text();
  return { status: response.status, body: parse(text) };
}

function parse(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return { text };
  }
}

/** Logs in on the sample (user1/passwd); returns the token pair. */
export async function sampleLogin(port: number): Promise<{ access: string; refresh: string }> {
  const reply = await call(port, 'POST', '/api/auth/jwt/login', {
    json: { login: 'user1', password: 'passwd' },
  });
  const access = reply.body.accessToken;
  const refresh = reply.body.refreshToken;
  if (reply.status !== 200 || typeof access !== 'string' || typeof refresh !== 'string') {
    throw new Error(`sample login answered ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return { access, refresh };
}

/** Logs in on the recipe app (john/changeme, as in the docs); returns the access token. */
export async function recipeLogin(port: number): Promise<string> {
  const reply = await call(port, 'POST', '/auth/login', {
    json: { username: 'john', password: 'changeme' },
  });
  const token = reply.body.access_token;
  if (reply.status !== 200 || typeof token !== 'string') {
    throw new Error(`recipe login answered ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return token;
}

/** Throws unless `GET path` with `token` answers `expected`. */
export async function expectStatus(
  port: number,
  path: string,
  token: string | undefined,
  expected: number,
  what: string,
): Promise<Reply> {
  const reply = await call(port, 'GET', path, { token });
  if (reply.status !== expected) {
    throw new Error(
      `${what}: GET ${path} answered ${reply.status}, expected ${expected}: ${JSON.stringify(reply.body)}`,
    );
  }
  return reply;
}
