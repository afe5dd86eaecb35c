/** Worker thread of `mintTokenFile`: signs `count` distinct access tokens, returns them joined. */
import { createPrivateKey, createSecretKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { Alg } from './config.js';
import { accessClaims, signJwt } from './keys.js';

const { alg, key, kid, count, now } = workerData as {
  alg: Alg;
  key: string;
  kid: string;
  count: number;
  now: number;
};
const signKey = alg === 'HS256' ? createSecretKey(Buffer.from(key, 'utf8')) : createPrivateKey(key);
const header = { alg, typ: 'JWT', kid };
const tokens: string[] = [];
for (let i = 0; i < count; i++) tokens.push(signJwt(alg, signKey, header, accessClaims(now, 3600)));
parentPort?.postMessage(tokens.join('\n'));
