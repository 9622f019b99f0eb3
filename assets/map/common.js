// Shared by the map's files: plotly.js loading, the point data decoding and the palette.
// ui/map_component.py joins common.js, render.js, hover.js and map.js into the component's one module, in that order.

const HIT_RADIUS = 8; // px: a click this close to a point picks it
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  "#9c755f", "#bab0ac", "#1f77b4", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"];
// Beyond PALETTE's 16, each further class gets the candidate colour farthest (in CIELAB, where distance follows what
// the eye sees) from every colour already given: a greedy max-min pick from a grid of hues, saturations and
// lightnesses, so that 40 or more classes (e.g. 40 people) still get colours told apart.
const CANDIDATES = [];
for (let hue = 0; hue < 360; hue += 8) for (const sat of [50, 75, 95]) for (const light of [28, 42, 56, 70]) CANDIDATES.push([hue, sat, light]);

function hslToRgb(h, s, l) {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n) => { const k = (n + h / 30) % 12; return 255 * (l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))); };
  return [f(0), f(8), f(4)];
}

function rgbToLab([r, g, b]) {
  const lin = (v) => ((v /= 255) > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92);
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((R * 0.4124 + G * 0.3576 + B * 0.1805) / 0.95047), y = f(R * 0.2126 + G * 0.7152 + B * 0.0722);
  const z = f((R * 0.0193 + G * 0.1192 + B * 0.9505) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

const hexToRgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
const rgbText = (rgb) => "#" + rgb.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");

// k colours as "#rrggbb": PALETTE first, then the greedy max-min picks (tens of ms for 40, so kept per k).
const coloursMade = new Map();

function classColours(k) {
  if (k <= PALETTE.length) return PALETTE.slice(0, k);
  if (!coloursMade.has(k)) coloursMade.set(k, pickColours(k));
  return coloursMade.get(k);
}

function pickColours(k) {
  const colours = PALETTE.slice(), labs = PALETTE.map((c) => rgbToLab(hexToRgb(c)));
  const rgbs = CANDIDATES.map(([h, s, l]) => hslToRgb(h, s, l)), candidates = rgbs.map(rgbToLab);
  const nearest = candidates.map((c) => Math.min(...labs.map((o) => Math.hypot(c[0] - o[0], c[1] - o[1], c[2] - o[2]))));
  while (colours.length < k) {
    let best = 0;
    nearest.forEach((d, i) => { if (d > nearest[best]) best = i; });
    const chosen = candidates[best];
    colours.push(rgbText(rgbs[best]));
    candidates.forEach((c, i) => { nearest[i] = Math.min(nearest[i], Math.hypot(c[0] - chosen[0], c[1] - chosen[1], c[2] - chosen[2])); });
  }
  return colours;
}

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

