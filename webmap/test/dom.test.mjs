import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmTwice } from '../src/dom.js';

// fakeButton holds what confirmTwice touches of a <button>.
function fakeButton() {
  const listeners = [];
  return {
    dataset: {}, textContent: 'Xoá', disabled: false,
    addEventListener: (type, fn) => listeners.push([type, fn]),
    click: () => Promise.all(listeners.filter(([type]) => type === 'click').map(([, fn]) => fn())),
  };
}

test('confirmTwice asks on the first click and acts on the second', async () => {
  const button = fakeButton();
  let runs = 0;
  assert.equal(confirmTwice(button, 'x-delete-confirm', 'Xác nhận xoá', async () => { runs++; }), button);
  await button.click();
  assert.equal(runs, 0);
  assert.deepEqual([button.dataset.confirm, button.dataset.testid, button.textContent, button.disabled],
    ['true', 'x-delete-confirm', 'Xác nhận xoá', false]);
  await button.click();
  assert.equal(runs, 1);
  assert.equal(button.disabled, true);
});
