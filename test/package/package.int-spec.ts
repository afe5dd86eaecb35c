import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * Packs the library as npm would publish it and installs the tarball into a plain Nest 12 app
 * in a temporary directory outside the repository, with only the required peer dependencies (at
 * the versions of this repository's lock), so that nothing resolves from the repository's
 * node_modules. The app, TypeScript compiled against the packed declarations, logs in with keys
 * written by the installed CLI and calls a guarded route.
 */
const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

/** Packages the app needs besides the library and its required peers. */
const APP_PACKAGES = ['@nestjs/platform-express', '@types/node'];

/** The required (not optional) peer dependencies the package must declare. */
const REQUIRED_PEERS = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/passport',
  '@nestjs/throttler',
  'class-transformer',
  'class-validator',
  'passport',
  'reflect-metadata',
  'rxjs',
];

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The version of `name` this repository's lock installs, so the install is deterministic. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/**
 * The environment for the nested npm and node runs: without the variables `npm test` exports
 * for this repository (its prefix, its package), which would point npm back at it.
 */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  for (const key of Object.keys(env)) {
    if (
      /^npm_(package_|lifecycle_|config_(prefix|local_prefix|global_prefix|global|workspaces?)$)/i.test(
        key,
      ) ||
      key === 'INIT_CWD' ||
      key === 'NODE_PATH'
    ) {
      delete env[key];
    }
  }
  return env;
}

async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec(command, args, {
      cwd,
      env: isolatedEnv(),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, {
      cause: error,
    });
  }
}

describe('the packed package, installed outside the repository', () => {
  let work: string;
  let packed: { filename: string; files: { path: string }[] };
  let manifest: Manifest;
  const timings: Record<string, number> = {};

  async function timed<T>(step: string, action: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await action();
    } finally {
      timings[step] = Math.round(performance.now() - start);
    }
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nest-jwt-security-pack-'));
    const out = await timed('pack', () =>
      run('npm', ['pack', '--json', '--pack-destination', work], root),
    );
    // prepack builds first and may print before the JSON.
    packed = JSON.parse(out.slice(out.indexOf('[')))[0];
    manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const required = Object.keys(manifest.peerDependencies).filter(
      (name) => manifest.peerDependenciesMeta?.[name]?.optional !== true,
    );
    writeFileSync(
      join(work, 'package.json'),
      JSON.stringify({
        name: 'pack-app',
        private: true,
        type: 'module',
        dependencies: Object.fromEntries([
          ['nest-jwt-security', `file:./${packed.filename}`],
          ...[...required, ...APP_PACKAGES].map((name) => [name, lockedVersion(name)]),
        ]),
      }),
    );
    await timed('install', () =>
      run(
        'npm',
        [
          'install',
          '--prefix',
          work,
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          '--prefer-offline',
          '--loglevel=error',
        ],
        work,
      ),
    );
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    // Measured here rather than asserted: the whole suite is expected to stay well under 90 s.
    process.stdout.write(`package test timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('ships the compiled library with declarations, and nothing else', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'package.json',
        'README.md',
      ]),
    );
    expect(
      files.filter((f) => f.startsWith('lib/') || f.startsWith('test/') || f.startsWith('sample/')),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.spec.js') || f.endsWith('.spec.d.ts'))).toEqual([]);
  });

  it('declares the Nest packages as peer dependencies only, the optional ones as optional', () => {
    const installed = JSON.parse(
      readFileSync(join(work, 'node_modules/nest-jwt-security/package.json'), 'utf8'),
    ) as Manifest;
    const required = Object.keys(installed.peerDependencies).filter(
      (name) => installed.peerDependenciesMeta?.[name]?.optional !== true,
    );
    expect(required.sort()).toEqual([...REQUIRED_PEERS].sort());
    for (const name of Object.keys(installed.peerDependencies)) {
      expect(installed.dependencies?.[name]).toBeUndefined();
    }
    // Imported by the library only when the app has them.
    for (const name of [
      '@nestjs/event-emitter',
      '@nestjs/swagger',
      '@nestjs/terminus',
      '@nestjs/websockets',
      'ioredis',
      'pg',
    ]) {
      expect(installed.peerDependenciesMeta?.[name]?.optional).toBe(true);
    }
  });

  it('installs a working CLI: --help, and keygen into the app directory', async () => {
    const bin = join(work, 'node_modules/.bin/nest-jwt-security');
    const help = await timed('cli-help', () => run(bin, ['--help'], work));
    expect(help).toMatch(/Usage: nest-jwt-security <command>/);
    expect(help).toContain('keygen');
    const jwk = JSON.parse(
      await timed('cli-keygen', () =>
        run(bin, ['keygen', '--alg', 'ES256', '--out', join(work, 'keys')], work),
      ),
    );
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    expect(readFileSync(join(work, 'keys/private.pem'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
  }, 30_000);

  it('compiles against the packed declarations and runs in a plain Nest 12 app', async () => {
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          // As `nest new` generates: the declarations of optional peers the app does not
          // install (ioredis, pg) are not checked.
          skipLibCheck: true,
          types: ['node'],
          outDir: 'out',
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(join(work, 'app.ts'), APP);
    // The repository's compiler; every type it reads comes from the app's node_modules.
    await timed('tsc', () =>
      run(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
        work,
      ),
    );
    const output = await timed('app', () => run(process.execPath, ['out/app.js'], work));
    expect(output.trim().split('\n').pop()).toBe('OK 200 users:alice ES256');
  }, 60_000);
});

/** Logs in (ES256, keys from the CLI; the login throttler on its memory storage), calls /me. */
const APP = `
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CurrentClaims,
  JwtAuthGuard,
  JwtSecurityModule,
  MemoryThrottlerStorage,
  type JwtClaims,
} from 'nest-jwt-security';

@Controller()
class MeController {
  @UseGuards(JwtAuthGuard)
  @Get('me')
  me(@CurrentClaims() claims: JwtClaims): { sub: string } {
    return { sub: claims.sub };
  }
}

@Module({
  imports: [
    JwtSecurityModule.forRoot({
      algorithm: 'ES256',
      privateKey: readFileSync('keys/private.pem', 'utf8'),
      publicKey: readFileSync('keys/public.pem', 'utf8'),
      credentials: { validate: (login: string) => (login === 'alice' ? { sub: 'users:alice' } : null) },
    }),
  ],
  controllers: [MeController],
})
class AppModule {}

if (typeof MemoryThrottlerStorage !== 'function') throw new Error('MemoryThrottlerStorage missing');
const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const base = 'http://127.0.0.1:' + app.getHttpServer().address().port;
const login = await fetch(base + '/api/auth/jwt/login', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ login: 'alice', password: 'x' }),
});
const { accessToken } = (await login.json()) as { accessToken: string };
const me = await fetch(base + '/me', { headers: { authorization: 'Bearer ' + accessToken } });
const body = (await me.json()) as { sub: string };
const alg = JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()).alg;
console.log('OK', me.status, body.sub, alg);
await app.close();
`;
