import t from 'tap';
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
