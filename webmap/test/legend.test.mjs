import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withOpacity } from '../src/legend.js';

test('withOpacity shades a hex colour as the map draws it', () => {
  assert.equal(withOpacity('#c51b7d', 0.62), 'rgba(197, 27, 125, 0.62)');
  assert.equal(withOpacity('#C51B7D', 0), 'rgba(197, 27, 125, 0)');
  // The three gap tiers differ only by opacity: their swatches must differ.
  const tiers = [0.75, 0.62, 0.48].map((o) => withOpacity('#c51b7d', o));
  assert.equal(new Set(tiers).size, 3);
});

test('withOpacity leaves full opacity and other colours alone', () => {
  assert.equal(withOpacity('#c51b7d', 1), '#c51b7d');
  assert.equal(withOpacity('#c51b7d', undefined), '#c51b7d');
  assert.equal(withOpacity('transparent', 0.5), 'transparent');
  assert.equal(withOpacity('rgb(1, 2, 3)', 0.5), 'rgb(1, 2, 3)');
});
