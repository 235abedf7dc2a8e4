import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { adler32, crc32, encodePNG, faviconICO, renderIcon } from '../favicon.mjs';

test('checksums match known values', () => {
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
  assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
});

test('the PNG decodes back to the pixels', () => {
  const pixels = renderIcon(16);
  const png = encodePNG(16, 16, pixels);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  const idat = png.indexOf('IDAT');
  const length = png.readUInt32BE(idat - 4);
  const raw = inflateSync(png.subarray(idat + 4, idat + 4 + length));
  assert.equal(raw.length, 16 * (1 + 16 * 4));
  for (let y = 0; y < 16; y++) {
    assert.equal(raw[y * 65], 0);
    assert.deepEqual([...raw.subarray(y * 65 + 1, (y + 1) * 65)], [...pixels.subarray(y * 64, (y + 1) * 64)]);
  }
});

test('the icon is an .ico holding 16 and 32 pixel PNGs, the same every time', () => {
  const ico = faviconICO();
  assert.equal(ico.readUInt16LE(2), 1);
  assert.equal(ico.readUInt16LE(4), 2);
  assert.deepEqual([ico[6], ico[22]], [16, 32]);
  const offset = ico.readUInt32LE(6 + 12);
  assert.deepEqual([...ico.subarray(offset, offset + 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(faviconICO().equals(ico));
  // the middle pixel is the navy dot, a corner is transparent
  const px = renderIcon(32);
  const mid = (16 * 32 + 16) * 4;
  assert.deepEqual([...px.subarray(mid, mid + 4)], [0x0b, 0x25, 0x45, 255]);
  assert.equal(px[3], 0);
});
