// build-officer.mjs builds the officer view (src/officer/) into dist/officer/, called by
// build.mjs:
//
//   dist/officer/index.html          src/officer/index.html with ?v= content hashes
//   dist/officer/officer.js, .css    the view and its styles (Leaflet's), one file each
//   dist/officer/manifest.webmanifest
//   dist/officer/sw.js               the service worker, with this build's shell list
//
// It uses only esbuild from the lockfile and gives the same bytes on every run.

import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

function hashOf(bytes) {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

export async function buildOfficer({ root, common, fail }) {
  const out = path.join(root, 'dist', 'officer');
  await mkdir(out, { recursive: true });
  await esbuild.build({
    ...common,
    entryPoints: { officer: 'src/officer/main.js' },
    outdir: 'dist/officer',
    format: 'esm',
    platform: 'browser',
  });
  await esbuild.build({
    ...common,
    entryPoints: ['src/officer/officer.css'],
    outfile: 'dist/officer/officer.css',
    loader: { '.png': 'file', '.gif': 'file', '.svg': 'file' },
    assetNames: 'images/[name]',
  });
  await copyFile(path.join(root, 'src', 'officer', 'manifest.webmanifest'), path.join(out, 'manifest.webmanifest'));

  let html = await readFile(path.join(root, 'src', 'officer', 'index.html'), 'utf8');
  const shell = ['/officer/', '/officer/manifest.webmanifest', '/favicon.svg'];
  for (const [attr, file] of [['src', 'officer.js'], ['href', 'officer.css']]) {
    const before = `${attr}="${file}"`;
    if (!html.includes(before)) fail(`src/officer/index.html has no ${before}`);
    const v = hashOf(await readFile(path.join(out, file)));
    html = html.replace(before, `${attr}="${file}?v=${v}"`);
    shell.push(`/officer/${file}?v=${v}`);
  }
  for (const tag of html.match(/<script\b[^>]*>/gi) || []) {
    if (!/\ssrc="[^"]+"/.test(tag)) fail(`inline script in officer/index.html: ${tag}`);
  }
  if (/<[^>]+\son[a-z]+\s*=/i.test(html) || /<style\b/i.test(html)) fail('inline handler or style in officer/index.html');
  await writeFile(path.join(out, 'index.html'), html);

  const version = hashOf(shell.join('\n') + html);
  await esbuild.build({
    ...common,
    sourcemap: false,
    metafile: false,
    entryPoints: ['src/officer/sw.js'],
    outfile: 'dist/officer/sw.js',
    format: 'iife',
    platform: 'browser',
    define: { __VERSION__: JSON.stringify(version), __SHELL__: JSON.stringify(shell) },
  });
}
