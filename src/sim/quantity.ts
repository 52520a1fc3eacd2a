// The simulator's own reading of resource quantities (k8s.io/apimachinery resource.Quantity),
// kept apart from the hooks' so that a mistake in theirs cannot hide in the scenarios.

const SUFFIXES: [suffix: string, base: bigint, exponent: number][] = [
  ['Ki', 1024n, 1],
  ['Mi', 1024n, 2],
  ['Gi', 1024n, 3],
  ['Ti', 1024n, 4],
  ['Pi', 1024n, 5],
  ['Ei', 1024n, 6],
  ['n', 10n, -9],
  ['u', 10n, -6],
  ['m', 10n, -3],
  ['k', 10n, 3],
  ['M', 10n, 6],
  ['G', 10n, 9],
  ['T', 10n, 12],
  ['P', 10n, 15],
  ['E', 10n, 18],
];

/** A quantity as an exact fraction numerator/10^scale, or undefined when it is not one. */
function exact(value: unknown): { numerator: bigint; scale: number } | undefined {
  const text = (typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '').trim();
  const number = /^[+-]?(\d+\.?\d*|\.\d+)/.exec(text)?.[0];
  if (!number) return undefined;
  const rest = text.slice(number.length);
  const [whole, fraction = ''] = number.replace(/^[+-]/, '').split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`) * (number.startsWith('-') ? -1n : 1n);
  let scale = fraction.length;
  const exponent = /^[eE]([+-]?\d+)$/.exec(rest);
  const suffix = SUFFIXES.find(([s]) => s === rest);
  if (exponent) scale -= Number(exponent[1]);
  else if (suffix) {
    const [, base, power] = suffix;
    if (base === 10n) scale -= power;
    else numerator *= base ** BigInt(power);
  } else if (rest !== '') return undefined;
  if (scale < 0) {
    numerator *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { numerator, scale };
}

/** a < b: -1, a = b: 0, a > b: 1; undefined when either is not a quantity. */
export function compareQuantity(a: unknown, b: unknown): -1 | 0 | 1 | undefined {
  const x = exact(a);
  const y = exact(b);
  if (!x || !y) return undefined;
  const scale = Math.max(x.scale, y.scale);
  const left = x.numerator * 10n ** BigInt(scale - x.scale);
  const right = y.numerator * 10n ** BigInt(scale - y.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}
