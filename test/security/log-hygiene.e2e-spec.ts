import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { JwtSecurityEvent } from 'nest-jwt-security';
import { AppModule } from '../../sample/app.module.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { FixtureUsers } from '../fixtures/users.fixture.js';
import { ADAPTERS, request, startApp, type AdapterName } from '../utils/http-app.js';
import { AUTH, login, loginAnswer } from '../utils/jwt-e2e.js';
import { forge } from '../utils/keys.js';
import {
  AuditAppModule,
  CapturedEvents,
  EmittedEvents,
  FlakyTokenStore,
} from './fixtures/audit-app.module.js';
import {
  CaptureLogger,
  captureStdio,
  keyMaterial,
  leaks,
  type StdioCapture,
} from './fixtures/capture.js';
import { runScenario, USER_AGENT, type ScenarioRecord } from './fixtures/scenario.js';
import type { Json } from './fixtures/target.js';

/** Fields an audit event may carry (JwtSecurityEvent): identifiers, never a credential. */
const EVENT_FIELDS = [
  'type',
  'at',
  'sub',
  'sid',
  'jti',
  'login',
  'ip',
  'userAgent',
  'code',
  'reason',
];

interface Captured {
  app: INestApplication;
  base: string;
  logger: CaptureLogger;
  stdio: StdioCapture;
}

/** Starts `module` with a capturing logger, stdout/stderr/console held back from the start. */
async function start(
  module: Type<unknown> | DynamicModule,
  adapter: AdapterName,
): Promise<Captured> {
  const stdio = captureStdio();
  const logger = new CaptureLogger();
  const { app, url } = await startApp(module, adapter, {
    logger,
    setup: (created) => created.useLogger(logger),
  });
  return { app, base: url, logger, stdio };
}

/** Everything that was written anywhere, as one text. */
function everything(captured: Captured, events: unknown[] = []): string {
  return [...captured.logger.lines, ...captured.stdio.chunks, JSON.stringify(events)].join('\n');
}

/** Secret and private key material of a key, as strings a leak would show. */
function privateMaterial(key: KeyObject): string[] {
  return keyMaterial({
    pem: key.export({ format: 'pem', type: 'pkcs8' }) as string,
    der: key.export({ format: 'der', type: 'pkcs8' }),
    jwk: key.export({ format: 'jwk' }),
  });
}

function signer(key: KeyObject, alg: string) {
  return (header: Json, claims: Json): string => forge(header, claims, key, alg);
}

describe('the leak detector', () => {
  it('finds any 16-character piece of a long secret, and short secrets whole', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyczphZG1pbiJ9.c2lnbmF0dXJlLWJ5dGVz';
    expect(leaks(`log: …${token.slice(20, 36)}…`, { token: [token] })).toHaveLength(1);
    expect(leaks(`log: ${token.slice(20, 35)}`, { token: [token] })).toEqual([]);
    expect(leaks('login failed for pw hunter2!', { password: ['hunter2'] })).toHaveLength(1);
  });
});

/** The sample runs once per platform, with a key pair on one and a shared secret on the other. */
const SAMPLE_ALGORITHM = { express: 'RS256', fastify: 'HS256' } as const;

describe.each(ADAPTERS)('logs and audit events hold no secret (%s)', (adapter) => {
  describe(`the sample app, ${SAMPLE_ALGORITHM[adapter]}`, () => {
    const alg = SAMPLE_ALGORITHM[adapter];
    let captured: Captured;
    let record: ScenarioRecord;
    let secrets: string[];
    let signingKey: KeyObject;
    let dir: string;
    const variables = [
      'JWT_ALGORITHM',
      'JWT_PRIVATE_KEY_FILE',
      'JWT_PUBLIC_KEY_FILE',
      'JWT_SECRET',
    ];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'jwt-security-logs-'));
      if (alg === 'RS256') {
        const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
        writeFileSync(
          join(dir, 'private.pem'),
          pair.privateKey.export({ format: 'pem', type: 'pkcs8' }),
        );
        writeFileSync(
          join(dir, 'public.pem'),
          pair.publicKey.export({ format: 'pem', type: 'spki' }),
        );
        Object.assign(process.env, {
          JWT_ALGORITHM: 'RS256',
          JWT_PRIVATE_KEY_FILE: join(dir, 'private.pem'),
          JWT_PUBLIC_KEY_FILE: join(dir, 'public.pem'),
        });
        secrets = privateMaterial(pair.privateKey);
        signingKey = pair.privateKey;
      } else {
        const secret = `sample-secret-${randomBytes(24).toString('hex')}`;
        Object.assign(process.env, { JWT_ALGORITHM: 'HS256', JWT_SECRET: secret });
        secrets = keyMaterial({ secret });
        signingKey = createSecretKey(Buffer.from(secret, 'utf8'));
      }
      captured = await start(AppModule, adapter);
      record = await runScenario({
        base: captured.base,
        protectedPath: '/profile',
        adminPath: '/admin',
        freshPath: '/account/password',
        user: { login: 'user1', password: 'passwd' },
        sign: signer(signingKey, alg),
        throttleAfter: 10,
      });
    });
    afterAll(async () => {
      await captured?.app.close();
      captured?.stdio.restore();
      for (const name of variables) delete process.env[name];
      rmSync(dir, { recursive: true, force: true });
    });

    it('no token, password, secret or private key in any log line or on stdout/stderr', () => {
      const text = everything(captured);
      expect(captured.logger.lines.length).toBeGreaterThan(0);
      expect(
        leaks(text, { token: record.tokens, password: record.passwords, key: secrets }),
      ).toEqual([]);
    });

    it('the audit log names every kind of event, with codes and reasons', () => {
      const audit = captured.logger.lines.filter((line) => line.includes('Audit'));
      const seen = (fragment: string) => audit.some((line) => line.includes(fragment));
      const expected = [
        'login.succeeded',
        'login.failed',
        'login.throttled',
        'token.refreshed',
        'refresh.reused',
        'session.revoked',
        'token.rejected',
        'code=token_revoked',
        'code=token_expired',
        'code=token_invalid',
        'code=token_malformed',
        'code=token_wrong_type',
        'code=insufficient_scope',
        'code=token_not_fresh',
        'reason=logout',
        'reason=revoked',
        'reason=reuse',
      ];
      expect(expected.filter((fragment) => !seen(fragment))).toEqual([]);
    });
  });

  describe('a fixture with an eventListener and @nestjs/event-emitter', () => {
    let captured: Captured;
    let record: ScenarioRecord;
    let store: FlakyTokenStore;
    const keys = fixtureKeys('RS256');
    const carol = { login: 'carol', password: 'Carol-Only-Passw0rd-41c9', sub: 'users:carol' };
    const listened = (): JwtSecurityEvent[] => captured.app.get(CapturedEvents).events;
    const emitted = () => captured.app.get(EmittedEvents).events;

    beforeAll(async () => {
      store = new FlakyTokenStore();
      captured = await start(AuditAppModule.with(store), adapter);
      captured.app.get(FixtureUsers).add(carol);
      record = await runScenario({
        base: captured.base,
        protectedPath: '/protected',
        user: { login: carol.login, password: carol.password },
        sign: signer(keys.signingKey, 'RS256'),
        throttleAfter: 3,
      });
      // The store goes down: login, refresh and logout fail closed, the view goes stale.
      const pair = await login(captured.base, carol.login, carol.password);
      record.tokens.push(pair.accessToken, pair.refreshToken);
      store.down = true;
      const down = [
        await loginAnswer(captured.base, carol.login, carol.password),
        await request(`${captured.base}${AUTH}/refresh`, {
          method: 'POST',
          token: pair.refreshToken,
        }),
        await request(`${captured.base}${AUTH}/logout`, {
          method: 'POST',
          token: pair.accessToken,
        }),
      ];
      // A few revocation syncs fail meanwhile (every 100 ms), and are logged.
      await new Promise((resolve) => setTimeout(resolve, 350));
      store.down = false;
      expect(down.map((answer) => [answer.status, answer.body.code])).toEqual(
        Array(3).fill([503, 'service_unavailable']),
      );
    });
    afterAll(async () => {
      await captured?.app.close();
      captured?.stdio.restore();
    });

    it('no token, password, secret or private key in logs, stdout/stderr or events', () => {
      const text = everything(captured, [listened(), emitted()]);
      expect(captured.logger.lines.some((line) => line.includes('ECONNREFUSED'))).toBe(true);
      expect(
        leaks(text, {
          token: record.tokens,
          password: record.passwords,
          key: privateMaterial(keys.signingKey),
        }),
      ).toEqual([]);
    });

    it('events carry identifiers only, and both channels got the same ones', () => {
      const events = listened();
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        expect(Object.keys(event).filter((key) => !EVENT_FIELDS.includes(key))).toEqual([]);
        if (event.userAgent !== undefined) expect([USER_AGENT, 'node']).toContain(event.userAgent);
      }
      expect(emitted()).toEqual(
        events.map((event) => ({ name: `jwt-security.${event.type}`, payload: event })),
      );
    });

    it('every kind of audit event was emitted, with codes and reasons', () => {
      const events = listened();
      const kinds = new Set(events.map((event) => event.type));
      const codes = new Set(events.filter((e) => e.type === 'token.rejected').map((e) => e.code));
      const reasons = new Set(
        events.filter((e) => e.type === 'session.revoked').map((e) => e.reason),
      );
      expect([...kinds].sort()).toEqual(
        [
          'login.failed',
          'login.succeeded',
          'login.throttled',
          'refresh.reused',
          'session.revoked',
          'token.refreshed',
          'token.rejected',
        ].sort(),
      );
      expect([...codes].sort()).toEqual(
        [
          'token_expired',
          'token_invalid',
          'token_malformed',
          'token_revoked',
          'token_wrong_type',
        ].sort(),
      );
      expect([...reasons].sort()).toEqual(['logout', 'reuse', 'revoked']);
      const failed = events.filter((event) => event.type === 'login.failed');
      expect(failed.map((event) => [event.login, event.code])).toEqual(
        expect.arrayContaining([
          [carol.login, 'invalid_credentials'],
          ['nobody-at-all', 'invalid_credentials'],
        ]),
      );
    });

    it("rejections through AuthGuard('jwt-security') are audited like JwtAuthGuard's", async () => {
      const before = listened().length;
      const forged = 'e30.e30.AAAA';
      expect((await request(`${captured.base}/protected`, { token: forged })).status).toBe(401);
      expect((await request(`${captured.base}/passport`, { token: forged })).status).toBe(401);
      expect(
        listened()
          .slice(before)
          .map((event) => [event.type, event.code]),
      ).toEqual([
        ['token.rejected', 'token_invalid'],
        ['token.rejected', 'token_invalid'],
      ]);
    });
  });
});
