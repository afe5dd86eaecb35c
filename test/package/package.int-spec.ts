import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Packs the library as npm would publish it, installs the tarball into a plain Nest 12 app
 * (TypeScript, compiled against the packed declarations) and runs it: login, then a guarded
 * route.
 */
const root = resolve(import.meta.dirname, '../..');
const work = join(root, '.ci/tmp/pack-app');

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the packed package', () => {
  let manifest: { name: string; filename: string; files: { path: string }[] };

  beforeAll(() => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(work, 'node_modules'), { recursive: true });
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
    manifest = packed[0];
    const target = join(work, 'node_modules', 'nest-jwt-security');
    mkdirSync(target, { recursive: true });
    run('tar', ['-xzf', join(work, manifest.filename), '-C', target, '--strip-components=1'], root);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the compiled library with declarations, and nothing else', () => {
    const files = manifest.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'package.json', 'README.md']),
    );
    expect(
      files.filter((f) => f.startsWith('lib/') || f.startsWith('test/') || f.startsWith('sample/')),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.spec.js') || f.endsWith('.spec.d.ts'))).toEqual([]);
  });

  it('declares the Nest packages as peer dependencies only', () => {
    const pkg = JSON.parse(
      readFileSync(join(work, 'node_modules/nest-jwt-security/package.json'), 'utf8'),
    );
    for (const name of [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/passport',
      '@nestjs/throttler',
      'passport',
      'reflect-metadata',
      'rxjs',
    ]) {
      expect(pkg.peerDependencies[name]).toBeDefined();
      expect(pkg.dependencies?.[name]).toBeUndefined();
    }
  });

  it('compiles and runs in a plain Nest 12 app', () => {
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
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          outDir: 'out',
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(
      join(work, 'package.json'),
      JSON.stringify({ name: 'pack-app', private: true, type: 'module' }),
    );
    writeFileSync(join(work, 'app.ts'), APP);
    run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], work);
    const output = run(process.execPath, ['out/app.js'], work);
    expect(output.trim().split('\n').pop()).toBe('OK 200 users:alice');
  }, 120_000);
});

const APP = `
import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CurrentClaims, JwtAuthGuard, JwtSecurityModule, type JwtClaims } from 'nest-jwt-security';

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
      algorithm: 'HS256',
      secret: 'packed-package-test-secret-of-32-bytes',
      credentials: { validate: (login: string) => (login === 'alice' ? { sub: 'users:alice' } : null) },
    }),
  ],
  controllers: [MeController],
})
class AppModule {}

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
console.log('OK', me.status, body.sub);
await app.close();
`;
