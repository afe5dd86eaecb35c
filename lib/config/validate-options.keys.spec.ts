import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { keyPair, pem, SECRET, signingOptions, type KeyKind } from '../../test/utils/keys.js';
import type {
  JwtAlgorithm,
  JwtSecurityModuleOptions,
} from '../interfaces/jwt-security-options.interface.js';
import { JwtSecurityConfigError, validateOptions } from './validate-options.js';

function quietLogger(): Logger {
  const logger = new Logger('test');
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  return logger;
}

async function problems(raw: JwtSecurityModuleOptions): Promise<readonly string[]> {
  const error = await validateOptions(raw, false, quietLogger()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JwtSecurityConfigError);
  return (error as JwtSecurityConfigError).problems;
}

function named(lines: readonly string[], name: string): string[] {
  return lines.filter((line) => line.startsWith(`${name}:`));
}

/** Both halves of a `kind` pair, as PEM, for `algorithm`. */
function pairOf(algorithm: JwtAlgorithm, kind: KeyKind): JwtSecurityModuleOptions {
  const { privateKey, publicKey } = keyPair(kind);
  return {
    algorithm,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

describe('validateOptions: a key that does not fit the algorithm is refused', () => {
  it.each([
    ['ES256', 'rsa'],
    ['ES384', 'p256'],
    ['ES512', 'p384'],
    ['ES256', 'ed25519'],
    ['RS256', 'p256'],
    ['PS256', 'p384'],
    ['RS384', 'ed25519'],
    ['RS256', 'rsa1024'],
    ['PS512', 'rsa1024'],
    ['EdDSA', 'rsa'],
    ['EdDSA', 'p256'],
  ] as const)(
    '%s with a %s key pair: one line for privateKey and one for publicKey',
    async (algorithm, kind) => {
      const lines = await problems(pairOf(algorithm, kind));
      expect(named(lines, 'privateKey')).toHaveLength(1);
      expect(named(lines, 'publicKey')).toHaveLength(1);
    },
  );

  it.each(['HS256', 'HS384', 'HS512'] as const)('%s with a PEM as secret', async (algorithm) => {
    for (const secret of [pem('rsa', 'public', 'spki'), pem('p256', 'private', 'pkcs8')]) {
      expect(named(await problems({ algorithm, secret }), 'secret')).toHaveLength(1);
    }
  });

  it('HS256 with an asymmetric KeyObject as secret', async () => {
    const lines = await problems({ algorithm: 'HS256', secret: keyPair('rsa').publicKey });
    expect(named(lines, 'secret')).toHaveLength(1);
  });

  it('HS256 with an empty secret', async () => {
    expect(named(await problems({ algorithm: 'HS256', secret: '' }), 'secret')).toHaveLength(1);
  });

  it('RS256 with a secret KeyObject as key', async () => {
    const secret = createSecretKey(Buffer.from(SECRET));
    const lines = await problems({ algorithm: 'RS256', privateKey: secret, publicKey: secret });
    expect(named(lines, 'privateKey')).toHaveLength(1);
    expect(named(lines, 'publicKey')).toHaveLength(1);
  });

  it('a public/private pair that does not match', async () => {
    const lines = await problems({
      algorithm: 'ES256',
      privateKey: pem('p256', 'private', 'pkcs8'),
      publicKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey,
    });
    expect(named(lines, 'publicKey')).toHaveLength(1);
    expect(named(lines, 'privateKey')).toHaveLength(0);
  });

  it('an unreadable PEM', async () => {
    const garbage = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';
    const lines = await problems({
      algorithm: 'RS256',
      privateKey: garbage,
      publicKey: 'not a key',
    });
    expect(named(lines, 'privateKey')).toHaveLength(1);
    expect(named(lines, 'publicKey')).toHaveLength(1);
  });

  it('a public key given as the private key', async () => {
    const lines = await problems({
      algorithm: 'RS256',
      privateKey: pem('rsa', 'public', 'spki'),
      publicKey: pem('rsa', 'public', 'spki'),
    });
    expect(named(lines, 'privateKey')).toHaveLength(1);
  });

  it('a verification key that does not fit its algorithm, naming the entry', async () => {
    const lines = await problems({
      ...signingOptions('RS256'),
      verificationKeys: [
        { kid: 'ok', key: pem('rsa', 'public', 'spki') },
        { kid: 'ec', key: pem('p256', 'public', 'spki') },
        { kid: 'hs', algorithm: 'HS256', key: pem('rsa', 'public', 'spki') },
      ],
    });
    expect(named(lines, 'verificationKeys[0].key')).toHaveLength(0);
    expect(named(lines, 'verificationKeys[1].key')).toHaveLength(1);
    expect(named(lines, 'verificationKeys[2].key')).toHaveLength(1);
  });

  it('a duplicate verification kid, among the entries or with the signing keyId', async () => {
    const old = pem('rsa', 'public', 'spki');
    const twice = await problems({
      ...signingOptions('RS256'),
      verificationKeys: [
        { kid: 'old', key: old },
        { kid: 'old', key: old },
      ],
    });
    expect(named(twice, 'verificationKeys[1].kid')).toHaveLength(1);
    const clash = await problems({
      ...signingOptions('RS256'),
      keyId: 'main',
      verificationKeys: [{ kid: 'main', key: old }],
    });
    expect(named(clash, 'verificationKeys[0].kid')).toHaveLength(1);
  });

  it('reports every key problem in one error', async () => {
    const lines = await problems({
      algorithm: 'ES384',
      privateKey: pem('p256', 'private', 'sec1'),
      publicKey: pem('rsa', 'public', 'spki'),
      verificationKeys: [{ kid: 'v', key: pem('ed25519', 'public', 'spki') }],
    });
    expect(named(lines, 'privateKey')).toHaveLength(1);
    expect(named(lines, 'publicKey')).toHaveLength(1);
    expect(named(lines, 'verificationKeys[0].key')).toHaveLength(1);
  });
});

describe('validateOptions: keys that fit are accepted', () => {
  it.each([
    ['RS256', 'rsa'],
    ['PS384', 'rsa'],
    ['ES256', 'p256'],
    ['ES384', 'p384'],
    ['ES512', 'p521'],
    ['EdDSA', 'ed25519'],
    ['EdDSA', 'ed448'],
  ] as const)('%s with a %s key pair', async (algorithm, kind) => {
    const { keys } = await validateOptions(pairOf(algorithm, kind), false, quietLogger());
    expect(keys.signing?.alg).toBe(algorithm);
  });

  it('a short HS secret gives a warning naming secret, not a problem', async () => {
    const logger = quietLogger();
    const { keys } = await validateOptions({ algorithm: 'HS512', secret: 'short' }, false, logger);
    expect(keys.signing?.alg).toBe('HS512');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(String(jest.mocked(logger.warn).mock.calls[0]?.[0])).toMatch(/^secret:/);
  });

  it('a secret as long as the hash output gives no warning', async () => {
    const logger = quietLogger();
    await validateOptions({ algorithm: 'HS256', secret: 'x'.repeat(32) }, false, logger);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe('validateOptions: NODE_ENV=production refuses short HMAC secrets', () => {
  const saved = process.env.NODE_ENV;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  });

  it('refuses a secret shorter than the hash output, naming secret', async () => {
    process.env.NODE_ENV = 'production';
    const lines = await problems({ algorithm: 'HS256', secret: 'x'.repeat(31) });
    expect(named(lines, 'secret')).toHaveLength(1);
    expect(lines).toHaveLength(1);
  });

  it('refuses a short verification secret, naming the entry', async () => {
    process.env.NODE_ENV = 'production';
    const lines = await problems({
      algorithm: 'HS512',
      secret: 'x'.repeat(64),
      verificationKeys: [{ kid: 'old', key: 'x'.repeat(63) }],
    });
    expect(lines).toEqual([expect.stringMatching(/^verificationKeys\[0\]\.key: /)]);
  });

  it('accepts a secret as long as the hash output, without a warning', async () => {
    process.env.NODE_ENV = 'production';
    const logger = quietLogger();
    const { keys } = await validateOptions(
      { algorithm: 'HS512', secret: 'x'.repeat(64) },
      false,
      logger,
    );
    expect(keys.signing?.alg).toBe('HS512');
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it.each(['development', 'test', undefined])(
    'NODE_ENV=%s: the short secret is a warning only',
    async (env) => {
      if (env === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = env;
      const logger = quietLogger();
      const { keys } = await validateOptions(
        { algorithm: 'HS256', secret: 'short' },
        false,
        logger,
      );
      expect(keys.signing?.alg).toBe('HS256');
      expect(logger.warn).toHaveBeenCalledTimes(1);
    },
  );
});

describe('validateOptions: keys of the other family are refused', () => {
  it('HS256 with privateKey and publicKey: one line each', async () => {
    const lines = await problems({ ...pairOf('RS256', 'rsa'), algorithm: 'HS256', secret: SECRET });
    expect(named(lines, 'privateKey')).toEqual(['privateKey: is not used by HS256: give secret']);
    expect(named(lines, 'publicKey')).toEqual(['publicKey: is not used by HS256: give secret']);
    expect(named(lines, 'secret')).toEqual([]);
  });

  it('HS256 in proxy mode with a publicKey', async () => {
    const lines = await problems({
      mode: 'proxy',
      authority: 'https://auth.example',
      algorithm: 'HS256',
      secret: SECRET,
      publicKey: pem('rsa', 'public', 'spki'),
    });
    expect(lines).toEqual(['publicKey: is not used by HS256: give secret']);
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)('%s with a stray secret', async (algorithm) => {
    const kind = algorithm === 'RS256' ? 'rsa' : algorithm === 'ES256' ? 'p256' : 'ed25519';
    const lines = await problems({ ...pairOf(algorithm, kind), secret: SECRET });
    expect(lines).toEqual([`secret: is not used by ${algorithm}: give privateKey/publicKey`]);
  });

  it('a private PEM given as publicKey', async () => {
    const lines = await problems({
      algorithm: 'ES256',
      privateKey: pem('p256', 'private', 'pkcs8'),
      publicKey: pem('p256', 'private', 'sec1'),
    });
    expect(lines).toEqual([
      'publicKey: is a private key: give the public key (PEM in SPKI or PKCS#1)',
    ]);
  });
});
