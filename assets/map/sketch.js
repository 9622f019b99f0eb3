// A first picture of a 2D map while plotly.js loads: in a new browser its download and parse take 1.5-2 s here, and
// they start only when the page's own work has sent the map. The points are drawn on a plain canvas in the plot area
// that plotly's margins (and legend) will leave them, over plotly's default range (the points' extent padded by 5%),
// so the plotly map that replaces it (map.js, draw) lands nearly in place. The sketch takes no clicks.

const SKETCH_LEGEND_PX = 70; // about what plotly's legend takes on the right of a map coloured by class
const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

function sketchMap(state) {
  const d = state.data;
  if (window.Plotly || d.dims !== 2 || state.revision !== null || state.sketch || !d.n) return;
  const width = state.root.clientWidth, height = d.height;
  if (!width) return;
  const p = decode(d);
  const right = MARGIN_2D.r + (d.colour.kind === "categorical" ? SKETCH_LEGEND_PX : 0);
  const area = { l: MARGIN_2D.l, t: MARGIN_2D.t, w: width - MARGIN_2D.l - right, h: height - MARGIN_2D.t - MARGIN_2D.b };
  if (area.w <= 0 || area.h <= 0) return;
  const canvas = document.createElement("canvas");
  canvas.className = "lm-sketch";
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.fillStyle = "#fbfbfe"; // plot_bgcolor
  ctx.fillRect(area.l, area.t, area.w, area.h);
  const [x0, x1] = paddedRange(p.x), [y0, y1] = paddedRange(p.y);
  const colourOf = sketchColours(d, p);
  const size = markerSize(d) / 2; // a radius
  ctx.globalAlpha = 0.8;
  for (let i = 0; i < d.n; i++) {
    ctx.fillStyle = colourOf(i);
    ctx.beginPath();
    ctx.arc(area.l + ((p.x[i] - x0) / (x1 - x0)) * area.w, area.t + ((y1 - p.y[i]) / (y1 - y0)) * area.h, size, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  ctx.fillStyle = "#6b7280";
  ctx.font = "12px sans-serif";
  ctx.fillText("Loading the interactive map…", area.l, area.t - 10);
  state.root.appendChild(canvas);
  state.sketch = canvas;
}

function paddedRange(values) {
  let low = Infinity, high = -Infinity;
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const pad = high > low ? (high - low) * 0.05 : 1;
  return [low - pad, high + pad];
}

// A function of the point's index to its colour: its class's (as dataTraces), viridis for a continuous colour.
function sketchColours(d, p) {
  if (d.colour.kind === "categorical") {
    const colours = classColours(d.colour.names.length);
    return (i) => colours[p.colour[i]];
  }
  if (d.colour.kind === "continuous") {
    let low = Infinity, high = -Infinity;
    for (const v of p.colour) {
      if (!Number.isFinite(v)) continue;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const span = high > low ? high - low : 1;
    return (i) => VIRIDIS[Math.max(0, Math.min(4, Math.round(((p.colour[i] - low) / span) * 4)))] || VIRIDIS[0];
  }
  return () => "#4f46e5";
}

// The plotly map is drawn: the sketch goes.
function dropSketch(state) {
  if (state.sketch) {
    state.sketch.remove();
    state.sketch = null;
  }
}
