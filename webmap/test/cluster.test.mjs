import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridCluster } from '../src/layers/cluster.js';

test('gridCluster merges points in the same cell and keeps the rest apart', () => {
  const items = [
    { x: 1, y: 1, category: 'theft' },
    { x: 10, y: 20, category: 'robbery' },
    { x: 30, y: 5, category: 'robbery' },
    { x: 100, y: 100, category: 'fire' },
  ];
  const groups = gridCluster(items, 56).sort((a, b) => a.items.length - b.items.length);
  assert.equal(groups.length, 2);
  assert.equal(groups[0].items.length, 1);
  assert.equal(groups[0].category, 'fire');
  assert.equal(groups[1].items.length, 3);
  assert.equal(groups[1].category, 'robbery');
  assert.ok(Math.abs(groups[1].x - 41 / 3) < 1e-9);
  assert.ok(Math.abs(groups[1].y - 26 / 3) < 1e-9);
});

test('gridCluster of nothing is nothing', () => {
  assert.deepEqual(gridCluster([]), []);
});
