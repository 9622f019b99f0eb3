// The latent map: a WebGL plotly.js scatter of latent codes (2D or 3D).
// Reports, as the trigger value "event": clicks on points (2D and 3D), clicks on empty space
// (2D, in map coordinates; layout.clickanywhere makes plotly report clicks off the points), and
// lasso/box selections.
// Shows a thumbnail of the hovered image from a sprite sheet, and draws the overlays it is
// given: selected points, the interpolation path and the decoded manifold grid.

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

function markerTrace(d, p, members, extra) {
  const pick = (arr) => Array.from(members, (i) => arr[i]);
  const trace = { type: d.dims === 3 ? "scatter3d" : "scattergl", mode: "markers", hoverinfo: "none", x: pick(p.x), y: pick(p.y), ...extra };
  if (d.dims === 3) trace.z = pick(p.z);
  return trace;
}

function dataTraces(d, p) {
  const size = d.dims === 3 ? 2.5 : d.n > 5000 ? 4 : 6;
  const opacity = d.grid ? 0.35 : 0.8; // let the decoded grid show through
  const all = Int32Array.from({ length: d.n }, (_, i) => i);
  if (d.colour.kind === "categorical") {
    const groups = d.colour.names.map(() => []);
    p.colour.forEach((c, i) => groups[c].push(i));
    const traces = [], owners = [];
    groups.forEach((members, g) => {
      if (!members.length) return;
      owners.push(Int32Array.from(members));
      traces.push(markerTrace(d, p, members, { name: d.colour.names[g], marker: { size, color: PALETTE[g % PALETTE.length], opacity } }));
    });
    return { traces, owners };
  }
  const marker = { size, opacity, color: "#4f46e5" };
  if (d.colour.kind === "continuous") {
    Object.assign(marker, { color: Array.from(p.colour), colorscale: "Viridis", showscale: true,
      colorbar: { title: { text: d.colour.title, side: "right" }, thickness: 12, len: 0.8 } });
  }
  return { traces: [markerTrace(d, p, all, { name: "images", marker })], owners: [all] };
}

function lineTrace(d, pts, extra) {
  const trace = { type: d.dims === 3 ? "scatter3d" : "scattergl", hoverinfo: "skip", showlegend: false, x: pts.x, y: pts.y, ...extra };
  if (d.dims === 3) trace.z = pts.z;
  return trace;
}

function overlayTraces(d) {
  const o = d.overlay || {};
  const empty = { x: [], y: [], z: [] };
  return [
    lineTrace(d, o.path || empty, { name: "path", mode: "lines", line: { color: "#111827", width: 3 } }),
    lineTrace(d, o.selected || empty, {
      name: "selected", mode: "markers+text", text: (o.selected || {}).text || [], textposition: "top center",
      textfont: { color: "#111827", size: 13 },
      marker: { size: d.dims === 3 ? 7 : 14, color: "rgba(255,255,255,0.15)", line: { color: "#111827", width: 2.5 } },
    }),
  ];
}

function axis(title, showgrid = true) {
  return { title: { text: title }, zeroline: false, showgrid, gridcolor: "#e6e8f0", linecolor: "#c9cde0" };
}

function layoutFor(d) {
  const layout = {
    // A new overlay.cleared (the user pressed "Clear selection") drops plotly's own selection: its outline and faded points.
    uirevision: d.view, selectionrevision: d.view + "#" + ((d.overlay || {}).cleared || 0), height: d.height, margin: { l: 48, r: 12, t: 34, b: 40 },
    hovermode: "closest", hoverdistance: HIT_RADIUS, clickanywhere: d.dims === 2, dragmode: d.dims === 3 ? "orbit" : "zoom",
    showlegend: d.colour.kind === "categorical", legend: { orientation: "h", x: 0, y: -0.1, yanchor: "top", itemsizing: "constant" },
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfe", font: { size: 12, color: "#1f2333" },
  };
  if (d.dims === 3) {
    layout.scene = { xaxis: axis(d.axes[0]), yaxis: axis(d.axes[1]), zaxis: axis(d.axes[2]), aspectmode: "cube" };
  } else {
    layout.xaxis = axis(d.axes[0], !d.grid);
    layout.yaxis = axis(d.axes[1], !d.grid);
    const g = d.grid;
    layout.images = g ? [{ source: g.src, xref: "x", yref: "y", x: g.x0, y: g.y1, sizex: g.x1 - g.x0, sizey: g.y1 - g.y0,
      sizing: "stretch", opacity: 0.9, layer: "below" }] : [];
  }
  return layout;
}

// No "Edit in Chart Studio" cloud button (plotly.js 3 shows it by default): the app is offline and its data private.
const CONFIG = {
  displaylogo: false, displayModeBar: true, responsive: true, scrollZoom: true, showSendToCloud: false, showEditInChartStudio: false,
  modeBarButtonsToRemove: ["autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian", "resetCameraLastSave3d",
    "sendChartToCloud"],
  toImageButtonOptions: { filename: "latent-map", scale: 2 },
};

function pointIndex(state, pt) {
  const owner = state.owners[pt.curveNumber];
  return owner === undefined ? null : owner[pt.pointNumber];
}

function send(state, event) {
  state.seq += 1;
  state.setTriggerValue("event", { ...event, seq: state.seq });
}

// The point under a 2D click, or null, and the click's map coordinates. Computed from the
// pointer position rather than plotly's hover state, which can lag behind a fast click.
function clickTarget2d(state) {
  const gd = state.gd, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  const px = state.pointer.x - box.left - xa._offset, py = state.pointer.y - box.top - ya._offset;
  let index = null, best = HIT_RADIUS * HIT_RADIUS;
  state.owners.forEach((members, t) => {
    if (gd._fullData[t].visible !== true) return;
    for (const i of members) {
      const dx = xa.l2p(state.p.x[i]) - px, dy = ya.l2p(state.p.y[i]) - py;
      if (dx * dx + dy * dy <= best) {
        best = dx * dx + dy * dy;
        index = i;
      }
    }
  });
  return { index, x: xa.p2l(px), y: ya.p2l(py) };
}

function onClick(state, ev) {
  const d = state.data, p = state.p;
  if (d.dims === 2) {
    const target = clickTarget2d(state);
    if (target.index !== null) {
      const i = target.index;
      send(state, { kind: "point", index: i, x: p.x[i], y: p.y[i], add: state.shift });
      state.probe = { x: p.x[i], y: p.y[i], view: d.view };
    } else {
      send(state, { kind: "space", x: target.x, y: target.y });
      state.probe = { x: target.x, y: target.y, view: d.view };
    }
    placeProbe(state);
    return;
  }
  const hit = (ev.points || []).find((pt) => pointIndex(state, pt) !== null);
  if (hit) send3d(state, pointIndex(state, hit));
}

function send3d(state, i) {
  const p = state.p;
  state.press.sent = true;
  send(state, { kind: "point", index: i, x: p.x[i], y: p.y[i], z: p.z[i], add: state.shift });
}

// plotly reports a 3D click only if the scene renders while the button is down, which a quick
// tap (a trackpad, a busy machine) can miss: then a press that did not move picks the hovered point.
function onRelease3d(state, e) {
  const press = state.press;
  if (state.data.dims !== 3 || press.sent || press.x === null) return;
  const moved = Math.hypot(e.clientX - press.x, e.clientY - press.y);
  if (moved < 5 && state.hovered !== null) send3d(state, state.hovered);
}

// The ring marking the last 2D click: an HTML element over the plot, because restyling a
// WebGL trace would redraw every point (hundreds of ms without a GPU).
function placeProbe(state) {
  const probe = state.probe, d = state.data, gd = state.gd, ring = state.ring;
  const xa = gd._fullLayout && gd._fullLayout.xaxis, ya = gd._fullLayout && gd._fullLayout.yaxis;
  if (!probe || probe.view !== d.view || d.dims !== 2 || !xa || !ya) {
    ring.style.display = "none";
    return;
  }
  const px = xa.l2p(probe.x), py = ya.l2p(probe.y);
  const inside = px >= 0 && px <= xa._length && py >= 0 && py <= ya._length;
  Object.assign(ring.style, { display: inside ? "block" : "none", left: xa._offset + px + "px", top: ya._offset + py + "px" });
}

function onSelected(state, ev) {
  if (!ev || !ev.points) return;
  const indices = [...new Set(ev.points.map((pt) => pointIndex(state, pt)).filter((i) => i !== null))];
  if (indices.length) send(state, { kind: "select", indices });
}

function showTip(state, ev) {
  const hit = (ev.points || []).find((pt) => pointIndex(state, pt) !== null);
  if (!hit) return hideTip(state);
  const i = pointIndex(state, hit), d = state.data, p = state.p;
  state.hovered = i;
  const parts = ["#" + p.ids[i]];
  if (p.labels) parts.push(d.labels.names[p.labels[i]]);
  if (d.colour.kind === "continuous") parts.push(d.colour.title + " " + p.colour[i].toFixed(2));
  state.tipText.textContent = parts.join(" · ");
  drawThumb(state, i);
  const box = state.root.getBoundingClientRect();
  const left = Math.min(state.pointer.x - box.left + 14, box.width - 110);
  const top = Math.max(state.pointer.y - box.top - 110, 4);
  Object.assign(state.tip.style, { left: left + "px", top: top + "px", display: "block" });
}

// Thumbnail i of the sprite sheet, or a blank square until the sheet has arrived.
function drawThumb(state, i) {
  const s = state.data.sprite, img = state.spriteImage, canvas = state.tipCanvas;
  canvas.style.display = s ? "block" : "none"; // embeddings without images have no thumbnails
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (s && img && img.complete && img.naturalWidth > 0) {
    const col = i % s.cols, row = Math.floor(i / s.cols);
    ctx.drawImage(img, col * s.w, row * s.h, s.w, s.h, 0, 0, canvas.width, canvas.height);
  }
}

// The hover thumbnails come as one sprite sheet (megabytes for a large map), kept per page in
// window.__latentSprites by key. The server sends a sheet only when asked, so a map is drawn
// without waiting for it and later renders and page switches do not carry it again.
const SPRITES_KEPT = 3;

function useSprite(state) {
  const s = state.data.sprite;
  if (!s) {
    state.spriteImage = null;
    return;
  }
  const kept = window.__latentSprites || (window.__latentSprites = new Map());
  if (s.src && !kept.has(s.key)) {
    const img = new Image();
    img.onload = () => state.hovered !== null && state.spriteImage === img && drawThumb(state, state.hovered);
    img.src = s.src;
    kept.set(s.key, img);
    if (kept.size > SPRITES_KEPT) kept.delete(kept.keys().next().value);
  }
  state.spriteImage = kept.get(s.key) || null;
  if (!state.spriteImage && !s.src) send(state, { kind: "sprite", key: s.key });
}

function hideTip(state) {
  state.hovered = null;
  state.tip.style.display = "none";
}

function build(parentElement) {
  const root = document.createElement("div");
  root.className = "lm-root";
  root.innerHTML = '<div class="lm-plot"></div><div class="lm-probe"></div><div class="lm-tip"><canvas width="96" height="96"></canvas><div class="lm-tip-text"></div></div>';
  parentElement.appendChild(root);
  const state = {
    root, gd: root.querySelector(".lm-plot"), tip: root.querySelector(".lm-tip"), tipCanvas: root.querySelector("canvas"),
    tipText: root.querySelector(".lm-tip-text"), ring: root.querySelector(".lm-probe"), seq: 0, shift: false, pointer: { x: 0, y: 0 }, revision: null, bound: false,
    hovered: null, press: { x: null, y: null, sent: false },
  };
  const track = (e) => {
    state.pointer = { x: e.clientX, y: e.clientY };
    state.shift = e.shiftKey;
  };
  root.addEventListener("pointermove", track, true);
  root.addEventListener("pointerdown", (e) => {
    track(e);
    state.press = { x: e.clientX, y: e.clientY, sent: false };
  }, true);
  root.addEventListener("pointerup", (e) => onRelease3d(state, e), true);
  root.addEventListener("pointerleave", () => hideTip(state));
  state.resize = new ResizeObserver(() => window.Plotly && state.gd.data && window.Plotly.Plots.resize(state.gd));
  state.resize.observe(root);
  root.__latentMap = state;
  return state;
}

function draw(state, Plotly) {
  const d = state.data;
  useSprite(state);
  if (state.revision === d.revision) return;
  state.revision = d.revision;
  state.p = decode(d);
  const { traces, owners } = dataTraces(d, state.p);
  state.owners = owners;
  Plotly.react(state.gd, traces.concat(overlayTraces(d)), layoutFor(d), CONFIG).then(() => {
    placeProbe(state);
    state.root.dataset.ready = "true";
    state.root.dataset.points = String(d.n);
    state.root.dataset.dims = String(d.dims);
  });
  if (!state.bound) {
    state.bound = true;
    state.gd.on("plotly_click", (ev) => onClick(state, ev));
    state.gd.on("plotly_selected", (ev) => onSelected(state, ev));
    state.gd.on("plotly_hover", (ev) => showTip(state, ev));
    state.gd.on("plotly_unhover", () => hideTip(state));
    state.gd.on("plotly_afterplot", () => placeProbe(state));
  }
}

// The last map taken off the page (by switching pages), kept whole so that coming back to the
// same map re-attaches it instead of rebuilding its WebGL scene. Older ones are purged.
function shelve(state) {
  const previous = window.__latentMapShelf;
  if (previous && previous !== state && window.Plotly) {
    previous.resize.disconnect();
    window.Plotly.purge(previous.gd);
  }
  window.__latentMapShelf = state;
}

function unshelve(parentElement, data) {
  const state = window.__latentMapShelf;
  if (!state || state.revision !== data.revision) return null;
  window.__latentMapShelf = null;
  parentElement.appendChild(state.root);
  return state;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (data.preload) {
    // Mounted on every page: fetch and parse plotly.js while the browser is idle, so the first map is quick.
    (window.requestIdleCallback || setTimeout)(() => loadPlotly(data.plotly_url).catch(() => {}));
    return;
  }
  const existing = parentElement.querySelector(".lm-root");
  const state = existing ? existing.__latentMap : unshelve(parentElement, data) || build(parentElement);
  state.data = data;
  state.setTriggerValue = setTriggerValue;
  state.root.style.height = data.height + "px";
  loadPlotly(data.plotly_url)
    .then((Plotly) => draw(state, Plotly))
    .catch((err) => {
      state.root.textContent = "The map could not be drawn: " + err.message;
    });
  return () => {
    setTimeout(() => {
      if (!state.root.isConnected) shelve(state);
    }, 0);
  };
}
