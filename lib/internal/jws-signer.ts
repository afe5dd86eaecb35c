import { constants, createHmac, sign, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';

/**
 * Signs compact JWS tokens with a pre-imported key, at the node:crypto floor: the protected
 * header `{alg, typ:'JWT', kid}` is encoded once, each call encodes the claims and signs.
 * Only our own claims are ever signed here, with the configured key and algorithm; verification
 * goes through fast-jwt and its checks.
 */
export function createJwsSigner(
  alg: JwtAlgorithm,
  key: KeyObject,
  kid: string,
): (claims: object) => string {
  const header = `${Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid })).toString('base64url')}.`;
  const signature = signatureFor(alg, key);
  return (claims) => {
    const input = header + Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${input}.${signature(input)}`;
  };
}

function signatureFor(alg: JwtAlgorithm, key: KeyObject): (input: string) => string {
  const hash = `sha${alg.slice(2)}`;
  switch (alg.slice(0, 2)) {
    case 'HS':
      return (input) => createHmac(hash, key).update(input).digest('base64url');
    case 'RS':
      return (input) => sign(hash, Buffer.from(input), key).toString('base64url');
    case 'PS':
      return (input) =>
        sign(hash, Buffer.from(input), {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }).toString('base64url');
    case 'ES':
      return (input) =>
        sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    default:
      // EdDSA: the curve (Ed25519 or Ed448) fixes the hash.
      return (input) => sign(null, Buffer.from(input), key).toString('base64url');
  }
}
