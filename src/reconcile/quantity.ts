// Kubernetes resource quantities (`500m`, `4Gi`, `1e3`, `2`) compared exactly:
// values are held as BigInt nano-units, so no floating-point rounding decides a comparison.

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const NANO_DIGITS = 9;
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

export type Quantity = string | number;

/** The quantity in nano-units, or undefined when it is not a valid quantity. */
export function parseQuantity(quantity: Quantity): bigint | undefined {
  const match = QUANTITY.exec(String(quantity).trim());
  if (!match) return undefined;
  const [, sign, number = '', suffix = '', exponent] = match;
  const [whole = '', fraction = ''] = number.split('.');
  const digits = BigInt(whole + fraction || '0');
  const scale = NANO_DIGITS - fraction.length + (exponent !== undefined ? Number(exponent) : (DECIMAL[suffix] ?? 0));
  const scaled = digits * (BINARY[suffix] ?? 1n);
  // Sub-nano precision is truncated, as Kubernetes rounds to its smallest unit.
  const value = scale >= 0 ? scaled * 10n ** BigInt(scale) : scaled / 10n ** BigInt(-scale);
  return sign === '-' ? -value : value;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b; undefined when either is invalid. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 | undefined {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Quantities are rendered as strings, the form the API server returns. */
export const quantityString = (quantity: Quantity): string => String(quantity);
