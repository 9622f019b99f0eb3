// The latent map: a WebGL plotly.js scatter of latent codes (2D or 3D); the component's entry point.
// Reports, as the trigger value "event": clicks on points (2D and 3D), clicks on empty space
// (2D, in map coordinates; layout.clickanywhere makes plotly report clicks off the points), and
// lasso/box selections; as the state value "sheet", a thumbnail or atlas sheet it lacks; and, as the state value
// "view", the visible range of a map with a density layer (density.js).
// Traces and layout are in render.js, the hover thumbnail in hover.js.

function pointIndex(state, pt) {
  const owner = state.owners[pt.curveNumber];
  return owner === undefined ? null : owner[pt.pointNumber];
}

// Each trigger carries this map's latest events, numbered, and names the map instance: of trigger values that reach
// the server together Streamlit keeps only the newest, so two quick clicks (two shift-clicked waypoints) lost the
// first. The server handles each event once, by its number (ui/map_component.new_events).
const RECENT_EVENTS = 8;

function send(state, event) {
  state.seq += 1;
  state.recent = state.recent.concat([{ ...event, seq: state.seq }]).slice(-RECENT_EVENTS);
  state.setTriggerValue("event", { from: state.instance, events: state.recent });
}

// A sheet is asked for with a state value, not with the event trigger: of trigger values that reach the server
// together only the newest is kept, so a sheet asked for just after a click lost the click.
function askSheet(state, key) {
  state.setStateValue("sheet", { key, nonce: Math.random() });
}

// The point under a 2D click, or null, and the click's map coordinates. Computed from the
// pointer position (with hover.js's grid index) rather than plotly's hover state, which can lag behind a fast click.
function clickTarget2d(state) {
  const gd = state.gd, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  const px = state.pointer.x - box.left - xa._offset, py = state.pointer.y - box.top - ya._offset;
  return { index: nearestPoint(state, px, py), x: xa.p2l(px), y: ya.p2l(py) };
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
    answerAtOnce(state, target);
    placeProbe(state);
    return;
  }
  const hit = (ev.points || []).find((pt) => pointIndex(state, pt) !== null);
  if (hit) send3d(state, pointIndex(state, hit));
}

function send3d(state, i) {
  if (state.press.sent && state.press.index === i) return; // plotly reports a held 3D click again on each render
  const p = state.p;
  Object.assign(state.press, { sent: true, index: i });
  send(state, { kind: "point", index: i, x: p.x[i], y: p.y[i], z: p.z[i], add: state.shift });
  state.probe = { x: p.x[i], y: p.y[i], z: p.z[i], view: state.data.view };
  // After plotly's click handling, not inside it: the relayout renders the scene, which reported the click again,
  // and so on until the stack overflowed.
  setTimeout(() => markProbe3d(state), 0);
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

function build(parentElement) {
  const root = document.createElement("div");
  root.className = "lm-root";
  root.innerHTML = '<div class="lm-plot"></div><div class="lm-probe"></div><div class="lm-link"></div><div class="lm-tip"><canvas width="96" height="96"></canvas><div class="lm-tip-bar"><div></div></div><div class="lm-tip-text"></div></div>';
  parentElement.appendChild(root);
  const state = {
    root, gd: root.querySelector(".lm-plot"), tip: root.querySelector(".lm-tip"), tipCanvas: root.querySelector("canvas"),
    tipText: root.querySelector(".lm-tip-text"), tipBar: root.querySelector(".lm-tip-bar"), ring: root.querySelector(".lm-probe"), seq: 0, recent: [], instance: Math.random().toString(36).slice(2), shift: false, pointer: { x: 0, y: 0 }, revision: null, bound: false,
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
  bindHover(state);
  bindLink(state);
  // Only a displayed plot is resized: the map taken off the page (replaced by a projection's progress bar, or shelved)
  // is reported too, and plotly refuses it ("Resize must be passed a displayed plot div element").
  state.resize = new ResizeObserver(() => {
    const gd = state.gd;
    if (window.Plotly && gd.data && gd.isConnected && getComputedStyle(gd).display !== "none") window.Plotly.Plots.resize(gd);
  });
  state.resize.observe(root);
  root.__latentMap = state;
  return state;
}

function draw(state, Plotly) {
  const d = state.data;
  useSprite(state);
  useAtlas(state);
  useDensity(state); // a new density layer on the same points: put in place without redrawing them (density.js)
  scheduleMosaic(state); // on or off, thumbnails or atlas arrived: the mosaic follows without redrawing the points
  if (state.revision === d.revision) return;
  state.revision = d.revision;
  const arrived = performance.now();
  state.p = decode(d);
  const { traces, owners } = dataTraces(d, state.p);
  state.owners = owners;
  indexPoints(state);
  Plotly.react(state.gd, traces.concat(overlayTraces(d)), layoutFor(d, state.probe, densityOf(state)), CONFIG).then(() => {
    dropSketch(state);
    placeProbe(state);
    syncDensity(state); // the density layer of the range now on screen (density.js)
    // data-draw-ms: from this revision's data to its first frame on screen (benchmarks/ui_bench.py reads it).
    requestAnimationFrame(() => {
      state.root.dataset.drawMs = String(Math.round(performance.now() - arrived));
      state.root.dataset.ready = "true";
      state.root.dataset.points = String(d.n);
      state.root.dataset.dims = String(d.dims);
    });
  });
  if (!state.bound) {
    state.bound = true;
    state.gd.on("plotly_click", (ev) => onClick(state, ev));
    state.gd.on("plotly_selected", (ev) => onSelected(state, ev));
    state.gd.on("plotly_hover", (ev) => showTip(state, ev));
    state.gd.on("plotly_unhover", () => hideTip(state));
    state.gd.on("plotly_relayout", (ev) => onRelayoutDensity(state, ev));
    state.gd.on("plotly_afterplot", () => {
      placeProbe(state);
      scheduleMosaic(state);
    });
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
  const { data, parentElement, setTriggerValue, setStateValue } = component;
  if (data.density_for) {
    receiveDensity(data); // a map's density layer, an element of its own (density.js)
    return;
  }
  if (data.preload) {
    // Mounted on every page: fetch and parse plotly.js while the browser is idle, so the first map is quick.
    (window.requestIdleCallback || setTimeout)(() => loadPlotly(data.plotly_url).catch(() => {}));
    return;
  }
  const existing = parentElement.querySelector(".lm-root");
  const state = existing ? existing.__latentMap : unshelve(parentElement, data) || build(parentElement);
  state.data = data;
  state.setTriggerValue = setTriggerValue;
  state.setStateValue = setStateValue;
  state.root.style.height = data.height + "px";
  sketchMap(state); // the points at once, while plotly.js loads (sketch.js)
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
