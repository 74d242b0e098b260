// Builds assets/plotly-<version>-mirador.min.js from entry.js: esbuild with the options
// plotly.js uses for its own dist bundles (its esbuild-config.js), then terser (two compress
// passes and mangling: 5 % less gzip than esbuild's minifier, 32 KiB). Run by
// scripts/build_plotly.sh; the versions are pinned in package.json and package-lock.json.
'use strict';

const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const fs = require('fs');
const { minify } = require('terser');
const version = require('plotly.js/package.json').version;

const outfile = path.join(__dirname, '..', '..', 'assets', `plotly-${version}-mirador.min.js`);

const banner = `/* plotly.js ${version} (MIT), Mirador's traces: scripts/plotly_bundle */`;

esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    write: false,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,             // then terser: 1 % smaller than terser alone
    sourcemap: false,
    legalComments: 'none',
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning',
}).then((built) => minify(built.outputFiles[0].text, {
    compress: { passes: 2 }, mangle: true, format: { comments: false, preamble: banner },
})).then((min) => {
    fs.writeFileSync(outfile, min.code);
    console.log(outfile);
}).catch((err) => { console.error(err); process.exit(1); });
