// Shared by the map's files: plotly.js loading, the point data decoding and the palette.
// ui/map_component.py joins common.js, render.js, hover.js and map.js into the component's one module, in that order.

const HIT_RADIUS = 8; // px: a click this close to a point picks it
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"];

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__latentPlotly) {
    window.__latentPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load")));
      script.onerror = () => {
        window.__latentPlotly = null;
        reject(new Error("Could not load plotly.js from " + url));
      };
      document.head.appendChild(script);
    });
  }
  return window.__latentPlotly;
}

function bytes(b64) {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
const floats = (b64) => new Float32Array(bytes(b64).buffer);
const ints = (b64) => new Int32Array(bytes(b64).buffer);

function decode(d) {
  return {
    x: floats(d.x), y: floats(d.y), z: d.dims === 3 ? floats(d.z) : null, ids: ints(d.ids),
    labels: d.labels ? ints(d.labels.codes) : null,
    colour: d.colour.kind === "categorical" ? ints(d.colour.codes) : d.colour.kind === "continuous" ? floats(d.colour.values) : null,
  };
}

