import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldIn, serverErrors } from '../src/formfields.js';
import { fieldOf } from '../src/areaform.js';

test('fieldIn maps the paths of both forms to their fields', () => {
  const fields = ['name', 'kind'];
  assert.equal(fieldIn(fields, 'name'), 'name');
  assert.equal(fieldIn(fields, 'properties.kind'), 'kind');
  assert.equal(fieldIn(fields, '/properties/name'), 'name');
  assert.equal(fieldIn(fields, 'features[2].properties.name'), 'name');
  assert.equal(fieldIn(fields, 'geometry'), null);
  assert.equal(fieldIn(fields, 42), null);
  assert.equal(fieldOf('properties.buffer_m'), 'buffer_m');
});

test('serverErrors puts each error under its field, the rest in the general line', () => {
  const inputs = { name: {}, kind: {} };
  const of = (p) => fieldIn(['name', 'kind', 'night'], p);
  const matched = serverErrors({ title: 'bad fields', errors: [{ field: 'properties.name', message: 'too long' }] }, inputs, of);
  assert.deepEqual(matched, { byField: { name: 'too long' }, message: '' });

  // night is a field the form knows of but does not show: its message goes to the general line.
  const mixed = serverErrors({ title: 'bad fields', errors: [
    { field: 'kind', message: 'unknown kind' }, { field: 'night', error: 'not a date' }, { field: 'x', message: '' },
  ] }, inputs, of);
  assert.deepEqual(mixed, { byField: { kind: 'unknown kind' }, message: 'bad fields not a date' });

  const none = serverErrors({ title: 'Conflict', detail: 'the name is taken' }, inputs, of);
  assert.deepEqual(none, { byField: {}, message: 'Conflict: the name is taken' });
});
