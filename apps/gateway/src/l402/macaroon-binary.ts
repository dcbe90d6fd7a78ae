import type { Macaroon } from 'macaroon';

/** Field types of the macaroon V2 binary format (as in libmacaroons / go-macaroon). */
const FIELD = { end: 0, location: 1, identifier: 2, verificationId: 4, signature: 6 } as const;

function uvarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function field(type: number, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([type, ...uvarint(data.length)]), data]);
}

/**
 * A macaroon in the V2 binary format, the form L402 carries in base64. Only the serialization is written here: the
 * `macaroon` package (v3.0.4) signs and verifies, and reads this format, but its own `exportBinary` grows its buffer
 * by doubling on every byte and fails (RangeError) once a macaroon has more than a caveat or two.
 */
export function encodeMacaroonV2(macaroon: Macaroon): Buffer {
  const parts: Buffer[] = [Buffer.from([2])];
  if (macaroon.location) parts.push(field(FIELD.location, Buffer.from(macaroon.location, 'utf8')));
  parts.push(field(FIELD.identifier, macaroon.identifier), Buffer.from([FIELD.end]));
  for (const caveat of macaroon.caveats) {
    if (caveat.location) parts.push(field(FIELD.location, Buffer.from(caveat.location, 'utf8')));
    parts.push(field(FIELD.identifier, caveat.identifier));
    if (caveat.vid) parts.push(field(FIELD.verificationId, caveat.vid));
    parts.push(Buffer.from([FIELD.end]));
  }
  parts.push(Buffer.from([FIELD.end]), field(FIELD.signature, macaroon.signature));
  return Buffer.concat(parts);
}
