import t from 'tap';
import fc from 'fast-check';
import { QUANTITY_PATTERN } from '../../src/api/schema.js';
import { compareQuantities, parseQuantity } from '../../src/reconcile/quantity.js';

t.test('quantities in every Kubernetes notation', async (t) => {
  const nano = 1_000_000_000n;
  t.equal(parseQuantity('2'), 2n * nano);
  t.equal(parseQuantity(2), 2n * nano, 'integers as YAML gives them');
  t.equal(parseQuantity('500m'), nano / 2n);
  t.equal(parseQuantity('1.5Gi'), 3n * (1n << 29n) * nano);
  t.equal(parseQuantity('1k'), 1000n * nano);
  t.equal(parseQuantity('1e3'), 1000n * nano);
  t.equal(parseQuantity('1E-3'), nano / 1000n);
  t.equal(parseQuantity('.5'), nano / 2n);
  t.equal(parseQuantity('-1'), -nano);
  t.equal(parseQuantity('1n'), 1n);
  t.equal(parseQuantity('lots'), undefined);
  t.equal(parseQuantity('1Gb'), undefined);
});

t.test('comparisons are exact', async (t) => {
  t.equal(compareQuantities('100m', '0.1'), 0);
  t.equal(compareQuantities('1Gi', '1G'), 1, 'binary and decimal suffixes differ');
  t.equal(compareQuantities('1024Mi', '1Gi'), 0);
  t.equal(compareQuantities('999Mi', '1Gi'), -1);
  t.equal(compareQuantities('x', '1'), undefined);
});

// Two grammars on purpose: the CRD carries Kubernetes' own generated OpenAPI pattern, so the API
// server admits what it admits for core types; the parser follows resource.ParseQuantity, which is
// stricter (no fractional exponent). Whatever the parser reads, the schema must have admitted.
t.test('every quantity the parser reads is one the CRD schema admits', async (t) => {
  const pattern = new RegExp(QUANTITY_PATTERN);
  const alphabet = fc.constantFrom(...'0123456789.+-eEnumkMGTPEi'.split(''));
  fc.assert(
    fc.property(fc.string({ unit: alphabet, maxLength: 8 }), (text) => parseQuantity(text) === undefined || pattern.test(text)),
    { numRuns: 20000 },
  );
  t.ok(pattern.test('1e1.5') && parseQuantity('1e1.5') === undefined, 'the schema is the looser of the two');
});
