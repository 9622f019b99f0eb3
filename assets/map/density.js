// The density layer (2D maps of more than 100,000 rows, whose dots are an even sample): one image of every row's
// log(1 + count) on a grid, a plotly layout image with layer "below", under the WebGL dots, which keep their hover and
// clicks. It comes as an element of its own (ui/map_component.density_layer: data {density_for: the map's key,
// density}), so a zoom's new layer arrives without the map's points; it is kept in window.__latentDensity by map key
// and belongs to the map whose view it names. When it arrives (the server placed every row) or changes (a zoom's
// layer), it is put in place with a relayout of the layout's images alone, and the points are not redrawn. After a
// zoom or pan (plotly_relayout with axis ranges, debounced DENSITY_WAIT_MS) the map asks for the density of the
// visible range with the state value "view" (a trigger could be lost: see askSheet in map.js); a reset
// (double-click, the home button) asks for the whole map's layer again.

const DENSITY_WAIT_MS = 250;

// The layer last received for this map, if it is of the map's view (a 2D map), else null.
function densityOf(state) {
  const d = state.data, g = d && d.map_key ? (window.__latentDensity || {})[d.map_key] : null;
  return g && g.view === d.view && d.dims === 2 ? g : null;
}

// The layer element's render: keep the layer and put it under its map, if that map is drawn.
function receiveDensity(data) {
  window.__latentDensity = window.__latentDensity || {};
  window.__latentDensity[data.density_for] = data.density;
  document.querySelectorAll(".lm-root").forEach((root) => {
    const state = root.__latentMap;
    if (state && state.data && state.data.map_key === data.density_for) useDensity(state);
  });
}

// The layout image of a density layer, or none.
function densityImages(g) {
  if (!g || !g.src) return [];
  return [{ name: "density", source: g.src, xref: "x", yref: "y", x: g.x0, y: g.y1, sizex: g.x1 - g.x0,
    sizey: g.y1 - g.y0, sizing: "stretch", opacity: 1, layer: "below" }];
}

// The axis ranges on screen, each low to high (plotly keeps a reversed range as given).
function shownRange(full) {
  const [x0, x1] = full.xaxis.range.slice().sort((a, b) => a - b);
  const [y0, y1] = full.yaxis.range.slice().sort((a, b) => a - b);
  return { x0, x1, y0, y1 };
}

// Each render: a new layer on an unchanged revision replaces the old one in place (a new revision's full draw has
// it through layoutFor). data-density says which layer is drawn ("whole" or "zoomed"), for tests.
function useDensity(state) {
  const d = state.data, g = densityOf(state), key = g ? g.key : null;
  const redraw = state.revision !== d.revision;
  if (key === state.densityKey && !redraw) return;
  state.densityKey = key;
  state.density = g; // the layer drawn (tests read it)
  const mark = () => {
    if (key) state.root.dataset.density = g.zoomed ? "zoomed" : "whole";
    else delete state.root.dataset.density;
  };
  if (redraw || !state.gd._fullLayout || !window.Plotly) {
    mark();
    return;
  }
  const others = (state.gd.layout.images || []).filter((image) => image.name !== "density");
  window.Plotly.relayout(state.gd, { images: densityImages(g).concat(others) }).then(() => {
    mark();
    syncDensity(state);
  });
}

// The layer must count the range on screen: a zoom made before the layer existed (the job takes seconds to minutes),
// or a map drawn afresh at its whole range (a page switch rebuilt it) while the server kept an earlier zoom, asks
// again. Called after the layer is put in place and after each full draw; a layer of the range shown asks nothing.
function syncDensity(state) {
  const g = densityOf(state), full = state.gd._fullLayout;
  if (!g || !full || !full.xaxis || !full.yaxis || state.densityWaiting) return;
  const xa = full.xaxis, ya = full.yaxis;
  if (xa.autorange && ya.autorange) {
    if (g.zoomed) askDensity(state, true);
    return;
  }
  const { x0, x1, y0, y1 } = shownRange(full);
  const tx = (x1 - x0) * 1e-3, ty = (y1 - y0) * 1e-3;
  const near = (a, b, t) => Math.abs(a - b) < t;
  const same = near(g.x0, x0, tx) && near(g.x1, x1, tx) && near(g.y0, y0, ty) && near(g.y1, y1, ty);
  if (!g.zoomed || !same) askDensity(state, false);
}

// After plotly_relayout: a zoom or pan on a map with a density layer asks, once the user has paused, for the layer of
// the visible range; a reset for the whole map's.
function onRelayoutDensity(state, ev) {
  if (!ev || !densityOf(state)) return;
  const keys = Object.keys(ev).filter((k) => k.startsWith("xaxis.") || k.startsWith("yaxis."));
  if (!keys.length) return; // e.g. our own relayout of the images
  const reset = keys.some((k) => k.endsWith("autorange") && ev[k]);
  clearTimeout(state.densityTimer);
  state.densityWaiting = true;
  state.densityTimer = setTimeout(() => {
    state.densityWaiting = false;
    askDensity(state, reset);
  }, DENSITY_WAIT_MS);
}

// data-density-asks counts the requests (tests check that a layer of the range on screen asks nothing more).
function askDensity(state, reset) {
  const gd = state.gd, view = state.data.view, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  state.root.dataset.densityAsks = String(Number(state.root.dataset.densityAsks || 0) + 1);
  if (reset || !xa || !ya) {
    state.setStateValue("view", { view, reset: true, nonce: Math.random() });
    return;
  }
  state.setStateValue("view", { view, ...shownRange(gd._fullLayout), nonce: Math.random() });
}
