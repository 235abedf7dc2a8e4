import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fillZoom, PHONE_FILL_EXTRA } from '../src/fit.js';

test('a phone fills its screen around the unit, at most one zoom past showing all of it', () => {
  // A ward 1.4 times as wide as high on a tall phone: covering needs 1.5 levels more; one is taken.
  assert.equal(fillZoom(15.25, 16.75), 15.25 + PHONE_FILL_EXTRA);
  // A ward nearly the screen's shape: covering is close, and taken.
  assert.equal(fillZoom(15.25, 15.5), 15.5);
  // Never less than the zoom that shows all of it.
  assert.equal(fillZoom(15.25, 15), 15.25);
  assert.equal(fillZoom(15.25, Infinity), 15.25); // no cover known: all of it
  assert.equal(fillZoom(15.25, NaN), 15.25);
  assert.equal(fillZoom(15, 18, 0.5), 15.5);
});
