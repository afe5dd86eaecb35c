import { readFileSync } from 'node:fs';
import type { Algorithm } from 'jsonwebtoken';

/**
 * The recipe's `jwtConstants`, read from the same environment as the sample so that both apps
 * run with the same key material: `JWT_ALGORITHM` (default HS256), `JWT_SECRET` for HS*,
 * `JWT_PRIVATE_KEY_FILE` / `JWT_PUBLIC_KEY_FILE` (PEM) otherwise. Keys stay strings, as the docs
 * pass them to `JwtModule.register()` and to passport-jwt's `secretOrKey`.
 */
const algorithm = (process.env.JWT_ALGORITHM ?? 'HS256') as Algorithm;
const symmetric = algorithm.startsWith('HS');

export const jwtConstants = {
  algorithm,
  symmetric,
  secret: symmetric
    ? (process.env.JWT_SECRET ?? 'DO NOT USE THIS VALUE. INSTEAD, CREATE A COMPLEX SECRET.')
    : undefined,
  privateKey: symmetric ? undefined : readFileSync(required('JWT_PRIVATE_KEY_FILE'), 'utf8'),
  publicKey: symmetric ? undefined : readFileSync(required('JWT_PUBLIC_KEY_FILE'), 'utf8'),
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required for ${algorithm}`);
  return value;
}
