// The simulator's quantity reading, on its own and against the hooks' independent one.
import t from 'tap';
import fc from 'fast-check';
import { compareQuantity } from '../../src/sim/quantity.js';
import { compareQuantities } from '../../src/reconcile/quantity.js';

t.test('compares quantities as the API server does', async (t) => {
  t.equal(compareQuantity('10Gi', '20Gi'), -1);
  t.equal(compareQuantity('1Gi', '1073741824'), 0);
  t.equal(compareQuantity('1G', '1Gi'), -1);
  t.equal(compareQuantity('1500m', '1.5'), 0);
  t.equal(compareQuantity('1e3', '1k'), 0);
  t.equal(compareQuantity('2', 2), 0);
  t.equal(compareQuantity('-1', '0'), -1);
  t.equal(compareQuantity('10 Gi', '1'), undefined, 'a space is not a quantity');
  t.equal(compareQuantity('lots', '1'), undefined);
});

t.test('agrees with the hooks’ own reading on any pair of quantities', async (t) => {
  const suffix = fc.constantFrom('', 'Ki', 'Mi', 'Gi', 'Ti', 'm', 'k', 'M', 'G', 'T', 'e3', 'e-2');
  const quantity = fc
    .tuple(fc.nat(100000), fc.option(fc.nat(999), { nil: undefined }), suffix)
    .map(([whole, fraction, s]) => `${whole}${fraction === undefined ? '' : `.${fraction}`}${s}`);
  fc.assert(
    fc.property(quantity, quantity, (a, b) => compareQuantity(a, b) === compareQuantities(a, b)),
    { seed: 42, numRuns: 2000 },
  );
  t.pass('2000 pairs agree');
});
