/**
 * What a wave sends besides plain records: repeats of check-ins already sent
 * (the platform must answer 409) and invalid bodies (400), mixed in at the
 * shares asked for and in random order, like devices that retry and
 * misbehave among the well-behaved ones.
 */
export type RequestKind = 'valid' | 'duplicate' | 'invalid';

export interface MixShares {
  duplicates: number;
  invalid: number;
}

export interface WaveMix {
  valid: number;
  duplicates: number;
  invalid: number;
}

export const mixTotal = (mix: WaveMix): number => mix.valid + mix.duplicates + mix.invalid;

/** Above this the "mix" would be mostly noise; the CLI refuses it. */
export const MAX_NOISE_SHARE = 0.9;

/** `total` requests split by the shares (the valid ones get the remainder). */
export function splitTotal(total: number, shares: MixShares): WaveMix {
  const duplicates = Math.round(total * shares.duplicates);
  const invalid = Math.round(total * shares.invalid);
  return { valid: Math.max(total - duplicates - invalid, 0), duplicates, invalid };
}

/** As many duplicates and invalid ones as `valid` records need around them for the shares to hold. */
export function mixAround(valid: number, shares: MixShares): WaveMix {
  const total = Math.round(valid / (1 - shares.duplicates - shares.invalid));
  const duplicates = Math.round(total * shares.duplicates);
  return { valid, duplicates, invalid: Math.max(total - valid - duplicates, 0) };
}

const KIND_CODES: RequestKind[] = ['valid', 'duplicate', 'invalid'];

/** The kinds in random order (one byte each: a wave may hold millions). */
export function shuffledKinds(mix: WaveMix, random: () => number): Uint8Array {
  const kinds = new Uint8Array(mixTotal(mix));
  kinds.fill(1, mix.valid, mix.valid + mix.duplicates);
  kinds.fill(2, mix.valid + mix.duplicates);
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const swap = kinds[i] as number;
    kinds[i] = kinds[j] as number;
    kinds[j] = swap;
  }
  return kinds;
}

export const kindOf = (code: number): RequestKind => KIND_CODES[code] ?? 'valid';

/** One reading in thirty is a fever (>= 38.0 °C), so reports' fever counts are exercised too. */
export function temperatureOf(random: () => number): number {
  const fever = random() < 1 / 30;
  const celsius = fever ? 38 + random() * 1.5 : 36 + random() * 1.4;
  return Math.round(celsius * 10) / 10;
}

/**
 * Bodies the service must refuse with 400, one kind of mistake after the
 * other: out-of-range reading, missing field, misspelt field, malformed id,
 * clock far ahead. Real students' ids, so verification also proves a refused
 * body stored nothing.
 */
export function invalidBody(variant: number, record: { type: string; userId: string; schoolId: string; timestamp: number; temperature: number }): Record<string, unknown> {
  const { type, userId, schoolId, timestamp, temperature } = record;
  switch (variant % 5) {
    case 0:
      return { type, userId, schoolId, timestamp, temperature: 99.9 };
    case 1:
      return { type, userId, timestamp, temperature };
    case 2:
      return { type, userId, schoolId, timestamp, temprature: temperature };
    case 3:
      return { type, userId: `${userId} !`, schoolId, timestamp, temperature };
    default:
      return { type, userId, schoolId, timestamp: timestamp + 24 * 3_600_000, temperature };
  }
}
