// build.mjs builds the web map into dist/ (run with `npm run build`):
//
//   dist/app.js (+ .map)   src/main.js and its imports (Leaflet), ESM, minified
//   dist/chunks/           code loaded on demand (the Geoman draw tools)
//   dist/app.css (+ .map)  Leaflet's, Geoman's and our CSS
//   dist/images/           Leaflet's images, served by us (never a CDN)
//   dist/index.html        src/index.html with cache-busting ?v= hashes
//   dist/favicon.svg, dist/favicon.ico
//   dist/officer/           the officer view, its manifest and service worker (build-officer.mjs)
//
// It needs nothing but the packages in node_modules (installed from the
// lockfile with `npm ci`) and gives the same bytes on every run. It fails
// when the page would break the Content-Security-Policy (inline scripts,
// inline event handlers) or load anything from another host.

import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { faviconICO } from './favicon.mjs';
import { buildOfficer } from './build-officer.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
const KEEP = '.keep'; // committed, so go:embed finds dist/ on a fresh clone
const LEAFLET_IMAGES = path.join(root, 'node_modules', 'leaflet', 'dist', 'images');

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  target: ['es2020', 'chrome90', 'edge90', 'firefox90', 'safari15'],
};

async function cleanDist() {
  await mkdir(dist, { recursive: true });
  for (const name of await readdir(dist)) {
    if (name !== KEEP) await rm(path.join(dist, name), { recursive: true, force: true });
  }
  await writeFile(path.join(dist, KEEP), '', { flag: 'a' });
}

async function buildScript() {
  const result = await esbuild.build({
    ...common,
    entryPoints: { app: 'src/main.js' },
    outdir: 'dist',
    format: 'esm',
    platform: 'browser',
    // The draw tools (Leaflet-Geoman, about 300 kB) load only for users who
    // may edit areas; officers on phones never download them.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const external = output.imports.filter((i) => i.external);
    if (external.length > 0) fail(`${file} imports ${external.map((i) => i.path).join(', ')} at run time`);
  }
  // The chunks app.js imports statically, to preload alongside it.
  const app = result.metafile.outputs['dist/app.js'];
  if (!app) fail('esbuild wrote no dist/app.js');
  return app.imports
    .filter((i) => i.kind === 'import-statement')
    .map((i) => path.posix.relative('dist', i.path))
    .sort();
}

async function buildStyles() {
  await esbuild.build({
    ...common,
    entryPoints: ['src/app.css'],
    outfile: 'dist/app.css',
    loader: { '.png': 'file', '.gif': 'file', '.svg': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: 'images/[name]',
  });
}

// copyLeafletImages copies all of Leaflet's images: the CSS names only some,
// but L.Icon.Default also loads marker-icon-2x.png and marker-shadow.png
// from the folder the CSS points at.
async function copyLeafletImages() {
  await mkdir(path.join(dist, 'images'), { recursive: true });
  for (const name of (await readdir(LEAFLET_IMAGES)).sort()) {
    await copyFile(path.join(LEAFLET_IMAGES, name), path.join(dist, 'images', name));
  }
}

async function shortHash(file) {
  return createHash('sha256').update(await readFile(path.join(dist, file))).digest('hex').slice(0, 12);
}

// writeIndex copies src/index.html with a content hash on app.js and
// app.css (so a new build is never mixed with a cached one) and preload
// links for the chunks app.js imports (their names carry a hash already).
async function writeIndex(preload) {
  let html = await readFile(path.join(root, 'src', 'index.html'), 'utf8');
  const script = '<script type="module" src="app.js"></script>';
  if (!html.includes(script)) fail(`src/index.html has no ${script}`);
  const links = preload.map((file) => `<link rel="modulepreload" href="${file}">`);
  html = html.replace(script, [script, ...links].join('\n  '));
  for (const file of ['app.js', 'app.css']) {
    const attr = file.endsWith('.js') ? 'src' : 'href';
    const before = `${attr}="${file}"`;
    if (!html.includes(before)) fail(`src/index.html has no ${before}`);
    html = html.replace(before, `${attr}="${file}?v=${await shortHash(file)}"`);
  }
  await writeFile(path.join(dist, 'index.html'), html);
}

async function writeFavicons() {
  await copyFile(path.join(root, 'src', 'favicon.svg'), path.join(dist, 'favicon.svg'));
  await writeFile(path.join(dist, 'favicon.ico'), faviconICO());
}

function fail(message) {
  throw new Error(`build: ${message}`);
}

// checkPage enforces what the Content-Security-Policy and "no CDN" need.
async function checkPage() {
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  for (const tag of html.match(/<script\b[^>]*>/gi) || []) {
    if (!/\ssrc="[^"]+"/.test(tag)) fail(`inline script in index.html: ${tag}`);
  }
  if (/<[^>]+\son[a-z]+\s*=/i.test(html)) fail('inline event handler in index.html');
  if (/<style\b/i.test(html)) fail('inline <style> in index.html (keep styles in src/styles.css)');
  for (const [, url] of html.matchAll(/\s(?:src|href)="([^"]*)"/gi)) {
    if (/^(?:[a-z]+:)?\/\//i.test(url)) fail(`index.html loads ${url} from another host`);
  }

  const css = await readFile(path.join(dist, 'app.css'), 'utf8');
  // A quoted url() is taken whole, so the url(#…) inside an inline SVG
  // data URL is not mistaken for a file.
  for (const [, dq, sq, bare] of css.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)/gi)) {
    const url = dq ?? sq ?? bare;
    if (url.startsWith('data:') || url.startsWith('#')) continue;
    if (/^(?:[a-z]+:)?\/\//i.test(url)) fail(`app.css loads ${url} from another host`);
    const file = path.join(dist, url.split(/[?#]/)[0]);
    await stat(file).catch(() => fail(`app.css points at ${url}, which is not in dist/`));
  }
}

async function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), `${rel}/`)));
    else out.push(rel);
  }
  return out;
}

async function main() {
  await cleanDist();
  const preload = await buildScript();
  await buildStyles();
  await copyLeafletImages();
  await writeFavicons();
  await writeIndex(preload);
  await checkPage();
  await buildOfficer({ root, common, fail });
  for (const file of await listFiles(dist)) {
    if (file === KEEP) continue;
    const { size } = await stat(path.join(dist, file));
    console.log(`${`dist/${file}`.padEnd(32)} ${String(size).padStart(9)} B`);
  }
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
