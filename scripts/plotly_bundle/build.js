// Builds assets/plotly-<version>-mirador.min.js from entry.js with the options plotly.js
// uses for its own dist bundles (its esbuild-config.js), minified. Run by
// scripts/build_plotly.sh; the versions are pinned in package.json and package-lock.json.
'use strict';

const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const version = require('plotly.js/package.json').version;

const outfile = path.join(__dirname, '..', '..', 'assets', `plotly-${version}-mirador.min.js`);

esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: outfile,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: `/* plotly.js ${version} (MIT), Mirador's traces: scripts/plotly_bundle */` },
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning',
}).then(() => console.log(outfile)).catch(() => process.exit(1));
