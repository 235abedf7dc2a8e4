import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idParts } from '../src/admin/identifier.js';

test('an id breaks after its separators, never inside a word', () => {
  assert.deepEqual(idParts('traccar-client-canbo2-samsung-a54'), ['traccar-', 'client-', 'canbo2-', 'samsung-a54']);
  assert.deepEqual(idParts('owntracks/canbo3/iphone-se'), ['owntracks/', 'canbo3/', 'iphone-se']);
  assert.deepEqual(idParts('canbo.tuan@phuong-mau'), ['canbo.', 'tuan@', 'phuong-mau']);
  assert.deepEqual(idParts('snake_case_id'), ['snake_', 'case_id']);
});

test('a short last part stays with the part before it', () => {
  assert.deepEqual(idParts('demo-phone-1'), ['demo-', 'phone-1']);
  assert.deepEqual(idParts('a-b-c'), ['a-b-c']);
});

test('ids without separators: short ones whole, long runs in groups of eight', () => {
  assert.deepEqual(idParts('865432109876543'), ['865432109876543']);
  assert.deepEqual(idParts('0123456789abcdef0123'), ['01234567', '89abcdef', '0123']);
  assert.deepEqual(idParts('0123456789abcdef01-x1'), ['01234567', '89abcdef01-x1']);
});

test('parts join to the id', () => {
  for (const id of ['', 'x', 'demo-phone-1', '--', 'a/b/c/d/e', 'é-ü-ñ-long-ünïcödé', '1234567890123456789012345678901234567890-']) {
    assert.equal(idParts(id).join(''), id, id);
  }
  assert.deepEqual(idParts(null), []);
});
