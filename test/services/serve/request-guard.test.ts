/** Which requests baton serve answers, as a table: loopback names only, no web page, the secret or a page's view token. */
import { describe, expect, it } from 'vitest';
import { refuseRequest, viewToken } from '../../../services/serve/request-guard.js';

const expected = { port: 7411, secret: 'a'.repeat(64) };
const bearer = `Bearer ${expected.secret}`;

describe('refuseRequest', () => {
  it.each([
    ['127.0.0.1:7411', bearer, undefined, null],
    ['localhost:7411', bearer, undefined, null],
    ['LOCALHOST:7411', bearer, undefined, null],
    ['[::1]:7411', bearer, undefined, null],
    ['127.0.0.1:7412', bearer, undefined, 421],
    ['evil.example:7411', bearer, undefined, 421],
    [undefined, bearer, undefined, 421],
    ['127.0.0.1:7411', bearer, 'http://127.0.0.1:7411', 403],
    ['127.0.0.1:7411', bearer, 'null', 403],
    ['127.0.0.1:7411', undefined, undefined, 401],
    ['127.0.0.1:7411', `Bearer ${'b'.repeat(64)}`, undefined, 401],
    ['127.0.0.1:7411', `Bearer ${expected.secret}x`, undefined, 401],
    ['127.0.0.1:7411', expected.secret, undefined, 401],
  ])('Host %s, Authorization %s, Origin %s: %s', (host, authorization, origin, status) => {
    expect(refuseRequest({ host, authorization, origin }, expected)?.status ?? null).toBe(status);
  });

  it('a view token stands in for the secret, never for Host or Origin', () => {
    expect(refuseRequest({ host: '127.0.0.1:7411' }, expected, true)).toBeNull();
    expect(refuseRequest({ host: 'evil.example:7411' }, expected, true)?.status).toBe(421);
    expect(refuseRequest({ host: '127.0.0.1:7411', origin: 'https://evil.example' }, expected, true)?.status).toBe(403);
  });

  it('view tokens are per project and are not the secret', () => {
    expect(viewToken(expected.secret, '/p/one')).not.toBe(viewToken(expected.secret, '/p/two'));
    expect(viewToken(expected.secret, '/p/one')).not.toContain(expected.secret);
    expect(viewToken('b'.repeat(64), '/p/one')).not.toBe(viewToken(expected.secret, '/p/one'));
  });
});
