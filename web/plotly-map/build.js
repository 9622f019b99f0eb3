// Builds the latent map's plotly.js into <static folder>/plotly-map-<plotly.js version>/plotly.min.js:
//   node build.js ../../static
// with plotly.js's own build settings (its esbuild-config.js: the GLSL and inline-CSS plugins, the regl alias), as
// its CUSTOM_BUNDLE.md describes, but with two trace types. About 2.0 MB against the full bundle's 4.8 MB: a new
// browser loads and starts it in about 0.4 s instead of 1.0 s (README, "A fast first view").
"use strict";
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");
const { environmentPlugin } = require("esbuild-plugin-environment");
const { glsl } = require("esbuild-plugin-glsl");
const InlineCSSPlugin = require("esbuild-plugin-inline-css");

const version = require("plotly.js/package.json").version;
const folder = path.resolve(process.argv[2] || "../../static", `plotly-map-${version}`);
const target = path.join(folder, "plotly.min.js");
const partial = path.join(folder, `.part-${process.pid}.js`);
fs.mkdirSync(folder, { recursive: true });

esbuild
  .build({
    entryPoints: [path.join(__dirname, "entry.js")],
    outfile: partial,
    format: "iife",
    globalName: "Plotly",
    bundle: true,
    minify: true,
    banner: { js: `/* plotly.js v${version} (core, scattergl, scatter3d) | MIT license | Copyright Plotly, Inc. */` },
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: "@plotly/regl", stream: "stream-browserify" },
    define: { global: "window", "define.amd": "false" },
    target: "es2016",
    logLevel: "warning",
  })
  .then(() => {
    fs.renameSync(partial, target); // atomic: the server never serves half a file
    console.log(`built ${path.relative(process.cwd(), target)} (${fs.statSync(target).size} bytes)`);
  })
  .catch(() => {
    fs.rmSync(partial, { force: true });
    process.exit(1);
  });
