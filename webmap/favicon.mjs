// favicon.mjs draws the patrolmap icon (the same shapes as src/favicon.svg:
// a navy rounded square, a yellow hexagon, a navy dot) into RGBA pixels and
// packs them as PNG images inside an .ico file. It writes the bytes itself —
// stored (uncompressed) deflate blocks — so the output is byte-for-byte the
// same on every machine and Node version.

const NAVY = [0x0b, 0x25, 0x45];
const YELLOW = [0xff, 0xbf, 0x47];
const DESIGN = 32; // the SVG's viewBox size
const SUBSAMPLES = 4; // per axis, for anti-aliasing

const HEXAGON = Array.from({ length: 6 }, (_, i) => {
  const angle = ((-90 + 60 * i) * Math.PI) / 180;
  return [16 + 10 * Math.cos(angle), 16 + 10 * Math.sin(angle)];
});

function inRoundedSquare(x, y) {
  if (x < 0 || y < 0 || x > DESIGN || y > DESIGN) return false;
  const r = 6;
  const dx = Math.max(r - x, 0, x - (DESIGN - r));
  const dy = Math.max(r - y, 0, y - (DESIGN - r));
  return dx * dx + dy * dy <= r * r;
}

function inConvexPolygon(x, y, points) {
  for (let i = 0; i < points.length; i++) {
    const [ax, ay] = points[i];
    const [bx, by] = points[(i + 1) % points.length];
    if ((bx - ax) * (y - ay) - (by - ay) * (x - ax) < 0) return false;
  }
  return true;
}

function colourAt(x, y) {
  if ((x - 16) ** 2 + (y - 16) ** 2 <= 3.5 * 3.5) return NAVY;
  if (inConvexPolygon(x, y, HEXAGON)) return YELLOW;
  if (inRoundedSquare(x, y)) return NAVY;
  return null;
}

// renderIcon returns size×size RGBA pixels (row by row, top first).
export function renderIcon(size) {
  const pixels = new Uint8Array(size * size * 4);
  const scale = DESIGN / size;
  const n = SUBSAMPLES * SUBSAMPLES;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          const c = colourAt((px + (sx + 0.5) / SUBSAMPLES) * scale, (py + (sy + 0.5) / SUBSAMPLES) * scale);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          covered++;
        }
      }
      const o = (py * size + px) * 4;
      if (covered > 0) {
        pixels[o] = Math.round(r / covered);
        pixels[o + 1] = Math.round(g / covered);
        pixels[o + 2] = Math.round(b / covered);
        pixels[o + 3] = Math.round((255 * covered) / n);
      }
    }
  }
  return pixels;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

// crc32 is the CRC used by PNG chunks.
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// adler32 is the checksum that ends a zlib stream.
export function adler32(bytes) {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

// zlibStored wraps data in a zlib stream of stored (uncompressed) blocks.
export function zlibStored(data) {
  const MAX = 65535;
  const blocks = Math.max(1, Math.ceil(data.length / MAX));
  const out = Buffer.alloc(2 + blocks * 5 + data.length + 4);
  let o = 0;
  out[o++] = 0x78; // deflate, 32 KiB window
  out[o++] = 0x01; // no preset dictionary, fastest; (0x7801 % 31 === 0)
  for (let i = 0; i < blocks; i++) {
    const chunk = data.subarray(i * MAX, Math.min(data.length, (i + 1) * MAX));
    out[o++] = i === blocks - 1 ? 1 : 0; // BFINAL, BTYPE=00
    out.writeUInt16LE(chunk.length, o);
    out.writeUInt16LE(~chunk.length & 0xffff, o + 2);
    o += 4;
    out.set(chunk, o);
    o += chunk.length;
  }
  out.writeUInt32BE(adler32(data), o);
  return out;
}

function chunk(type, data) {
  const typeBytes = Buffer.from(type, 'ascii');
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeBytes.copy(out, 4);
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(Buffer.concat([typeBytes, Buffer.from(data)])), 8 + data.length);
  return out;
}

// encodePNG returns an 8-bit RGBA PNG of the pixels.
export function encodePNG(width, height, rgba) {
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 4);
    raw[row] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, row + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlibStored(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// encodeICO packs PNG images [{size, png}] into an .ico file.
export function encodeICO(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header[e] = size >= 256 ? 0 : size; // width
    header[e + 1] = size >= 256 ? 0 : size; // height
    header[e + 2] = 0; // palette colours
    header[e + 3] = 0; // reserved
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((img) => img.png)]);
}

// faviconICO returns the favicon with 16 and 32 pixel images.
export function faviconICO() {
  return encodeICO([16, 32].map((size) => ({ size, png: encodePNG(size, size, renderIcon(size)) })));
}
