// The trace types the latent map draws (assets/map/render.js): scattergl in 2D, scatter3d in 3D. plotly.js's core
// brings scatter and the components the map uses (images, annotations, shapes, selections, the mode bar).
"use strict";
const Plotly = require("plotly.js/lib/core");

Plotly.register([require("plotly.js/lib/scattergl"), require("plotly.js/lib/scatter3d")]);

module.exports = Plotly;
