// Types for the `macaroon` package (v3, go-macaroon compatible), which ships none: only what tollgate uses.
declare module 'macaroon' {
  export interface Macaroon {
    readonly identifier: Uint8Array;
    readonly location: string;
    readonly caveats: Array<{ identifier: Uint8Array; location?: string; vid?: Uint8Array }>;
    readonly signature: Uint8Array;
    exportJSON(): Record<string, unknown>;
    addFirstPartyCaveat(condition: string | Uint8Array): void;
    /** Throws when the signature chain or a caveat check fails; `check` returns an error string, or null when satisfied. */
    verify(rootKey: Uint8Array, check: (condition: string) => string | null, discharges?: Macaroon[]): void;
    exportBinary(): Uint8Array;
  }
  export function newMacaroon(params: { identifier: string | Uint8Array; location?: string; rootKey: Uint8Array; version?: 1 | 2 }): Macaroon;
  export function importMacaroon(data: string | Uint8Array): Macaroon;
  export function bytesToBase64(bytes: Uint8Array): string;
  export function base64ToBytes(text: string): Uint8Array;
}
