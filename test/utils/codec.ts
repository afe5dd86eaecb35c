import { importKeyRing, type KeyRing, type KeyRingInput } from '../../lib/internal/key-ring.js';
import { TokenCodec, type TokenCodecOptions } from '../../lib/internal/token-codec.js';
import type { JwtAlgorithm } from '../../lib/interfaces/jwt-security-options.interface.js';
import { signingOptions, type KeyKind } from './keys.js';

export interface CodecSetup {
  ring: KeyRing;
  codec: TokenCodec;
}

/** A key ring and codec for `algorithm` with the test keys, as the module would build them. */
export async function codecFor(
  algorithm: JwtAlgorithm,
  options: Partial<TokenCodecOptions> = {},
  ring: Partial<KeyRingInput> = {},
  kind?: KeyKind,
): Promise<CodecSetup> {
  const imported = await importKeyRing({
    mode: 'local',
    verificationKeys: [],
    ...signingOptions(algorithm, kind),
    ...ring,
  });
  if (!imported.ring) throw new Error(`test keys refused: ${imported.problems.join('; ')}`);
  const codec = new TokenCodec(imported.ring, {
    leeway: 0,
    maxTokenSize: 8192,
    cacheSize: 100,
    ...options,
  });
  return { ring: imported.ring, codec };
}
