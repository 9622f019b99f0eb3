// The plotly traces and layout of the map: points by colour, the overlays (path, waypoints, the clicked 3D point),
// axes and the decoded grid.
//
// Categorical colours are drawn as one scattergl trace per class, each with one colour: measured in Chromium
// (README, "Map: 100,000 points"), 100,000 points in 10 or 40 such traces draw in about half the time of one trace
// with a colour per point, whose per-point colour parsing dominates; the class traces also give the legend, whose
// entries hide and show a class.

function markerTrace(d, p, members, extra) {
  const pick = (arr) => Float32Array.from(members, (i) => arr[i]);
  const trace = { type: d.dims === 3 ? "scatter3d" : "scattergl", mode: "markers", hoverinfo: "none", x: pick(p.x), y: pick(p.y), ...extra };
  if (d.dims === 3) trace.z = pick(p.z);
  return trace;
}

const MARGIN_2D = { l: 48, r: 12, t: 34, b: 40 }; // px around a 2D plot (sketch.js draws in the same place)

// A point's marker diameter in px: smaller as the map holds more points.
const markerSize = (d) => (d.dims === 3 ? 2.5 : d.n > 20000 ? 3 : d.n > 5000 ? 4 : 6);

// The traces of the points and, per trace, the map positions of its points (owners[t][k] is trace t's point k).
function dataTraces(d, p) {
  const size = markerSize(d);
  // Faint behind the search's matches when only they are to be seen (overlay.only), and behind the decoded grid.
  const opacity = (d.overlay || {}).only ? 0.07 : d.grid ? 0.35 : 0.8;
  if (d.colour.kind === "categorical") {
    const colours = classColours(d.colour.names.length);
    const counts = new Int32Array(d.colour.names.length);
    p.colour.forEach((c) => counts[c]++);
    const groups = Array.from(counts, (count) => ({ members: new Int32Array(count), filled: 0 }));
    p.colour.forEach((c, i) => {
      const group = groups[c];
      group.members[group.filled++] = i;
    });
    const traces = [], owners = [];
    groups.forEach(({ members }, g) => {
      if (!members.length) return;
      owners.push(members);
      traces.push(markerTrace(d, p, members, { name: d.colour.names[g], marker: { size, color: colours[g], opacity } }));
    });
    return { traces, owners };
  }
  const all = Int32Array.from({ length: d.n }, (_, i) => i);
  const marker = { size, opacity, color: "#4f46e5" };
  if (d.colour.kind === "continuous") {
    Object.assign(marker, { color: p.colour, colorscale: "Viridis", showscale: true,
      colorbar: { title: { text: d.colour.title, side: "right" }, thickness: 12, len: 0.8 } });
  }
  return { traces: [markerTrace(d, p, all, { name: "images", marker })], owners: [all] };
}

function lineTrace(d, pts, extra) {
  const trace = { type: d.dims === 3 ? "scatter3d" : "scattergl", hoverinfo: "skip", showlegend: false, x: pts.x, y: pts.y, ...extra };
  if (d.dims === 3) trace.z = pts.z;
  return trace;
}

// The path and the waypoints.
function overlayTraces(d) {
  const o = d.overlay || {};
  const empty = { x: [], y: [], z: [] };
  return [
    lineTrace(d, o.path || empty, { name: "path", mode: "lines", line: { color: "#111827", width: 3 } }),
    lineTrace(d, o.selected || empty, {
      // In 2D the numbers are annotations (waypointLabels), set higher than the click's ring, which would hide them.
      name: "selected", mode: d.dims === 3 ? "markers+text" : "markers", text: (o.selected || {}).text || [], textposition: "top center",
      textfont: { color: "#111827", size: 13 },
      marker: { size: d.dims === 3 ? 7 : 14, color: "rgba(255,255,255,0.15)", line: { color: "#111827", width: 2.5 } },
    }),
    ringTrace(d, o.found, "found", "#f59e0b", o.only), // the search box's matches (filled: only they are shown)
    ringTrace(d, o.neighbours, "neighbours", "#059669"), // the clicked point's nearest neighbours (latent space)
    lineTrace(d, o.analogy || empty, { // the Traverse page's analogy: a, b, c and a − b + c (labels: analogyLabels)
      name: "analogy", mode: "markers", marker: { size: 13, symbol: "diamond", color: "#db2777", line: { color: "#ffffff", width: 1.5 } },
    }),
  ];
}

function analogyLabels(d) {
  const marks = (d.overlay || {}).analogy;
  if (!marks) return [];
  return marks.text.map((text, k) => ({ name: "analogy", x: marks.x[k], y: marks.y[k], xref: "x", yref: "y", text,
    showarrow: false, yshift: -18, font: { color: "#db2777", size: 12 }, bgcolor: "rgba(255,255,255,0.7)", borderpad: 1 }));
}

function ringTrace(d, pts, name, colour, filled = false) {
  const fill = filled ? colour : "rgba(0,0,0,0)";
  return lineTrace(d, pts || { x: [], y: [], z: [] }, {
    name, mode: "markers", marker: { size: d.dims === 3 ? 6 : 12, color: fill, line: { color: colour, width: 2.5 } },
  });
}

// The last clicked 3D point, if clicked on this view, as a scene annotation: a red arrow pointing at it, drawn over
// the scene and moved with the camera by plotly (a WebGL marker would be hidden behind the points in front of it).
// 2D clicks get an HTML ring instead (map.js, placeProbe).
function probeAnnotations(d, probe) {
  if (d.dims !== 3 || !probe || probe.view !== d.view || probe.z === undefined) return [];
  return [{ name: "clicked", x: probe.x, y: probe.y, z: probe.z, text: "clicked", showarrow: true, arrowhead: 2,
    arrowwidth: 2.5, arrowcolor: "#dc2626", ax: 0, ay: -36, font: { color: "#dc2626", size: 11 } }];
}

// Move the 3D click's arrow to state.probe: a relayout of the scene's annotations, without redrawing any trace.
function markProbe3d(state) {
  if (!state.gd.data || state.data.dims !== 3) return;
  window.Plotly.relayout(state.gd, { "scene.annotations": probeAnnotations(state.data, state.probe) });
}

function axis(title, showgrid = true) {
  return { title: { text: title }, zeroline: false, showgrid, gridcolor: "#e6e8f0", linecolor: "#c9cde0" };
}

// The class legend stands to the right of the plot, one class a line (plotly scrolls a legend taller than the plot,
// e.g. 40 people): below the plot, many classes wrapped over rows that covered the x axis's title and tick labels.
function legendFor() {
  return { orientation: "v", x: 1.01, xanchor: "left", y: 1, yanchor: "top", itemsizing: "constant", tracegroupgap: 0 };
}

// The decoded grid: one image laid over the data range, its cells kept square on screen (the y axis is scaled to
// the x axis by the ratio of a cell's width to its height), with a line saying what its faded cells mean. The grid has
// g.rows by g.cols cells when given, else as many rows as columns (ui/map_view.py: GRID_CELLS by GRID_CELLS).
function gridLayout(layout, g) {
  const cellRatio = (g.x1 - g.x0) / (g.cols || 1) / ((g.y1 - g.y0) / (g.rows || 1));
  Object.assign(layout.yaxis, { scaleanchor: "x", scaleratio: cellRatio, constrain: "range" });
  layout.images = [{ source: g.src, xref: "x", yref: "y", x: g.x0, y: g.y1, sizex: g.x1 - g.x0, sizey: g.y1 - g.y0,
    sizing: "stretch", opacity: 0.9, layer: "below" }];
  layout.annotations = [{ name: "grid-legend", xref: "paper", yref: "paper", x: 0, y: 1, xanchor: "left", yanchor: "bottom",
    showarrow: false, align: "left", font: { size: 11, color: "#4b5068" },
    text: "Decoded grid: <b>faded cells</b> are far from the data<br>(the inverse mapping's confidence is low there)" }];
}

function layoutFor(d, probe, density) {
  const layout = {
    // A new overlay.cleared (the user pressed "Clear selection") drops plotly's own selection: its outline and faded points.
    uirevision: d.view, selectionrevision: d.view + "#" + ((d.overlay || {}).cleared || 0), height: d.height,
    margin: d.dims === 3 ? { l: 0, r: 0, t: 34, b: 8 } : { ...MARGIN_2D }, // a copy: plotly keeps the layout it is given
    // 2D hover is hover.js's grid index (plotly's searches every point on each move); 3D keeps plotly's.
    hovermode: d.dims === 3 ? "closest" : false, hoverdistance: HIT_RADIUS, clickanywhere: d.dims === 2, dragmode: d.dims === 3 ? "orbit" : "zoom",
    showlegend: d.colour.kind === "categorical", legend: legendFor(),
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfe", font: { size: 12, color: "#1f2333" },
  };
  if (d.dims === 3) {
    // The default camera (eye at 1.25 on each axis) puts the cube's lower corner outside a wide, short scene.
    layout.scene = { xaxis: axis(d.axes[0]), yaxis: axis(d.axes[1]), zaxis: axis(d.axes[2]), aspectmode: "cube",
      camera: { eye: { x: 1.75, y: 1.75, z: 1.25 }, center: { x: 0, y: 0, z: -0.1 } },
      annotations: probeAnnotations(d, probe) };
  } else {
    layout.xaxis = axis(d.axes[0], !d.grid);
    layout.yaxis = axis(d.axes[1], !d.grid);
    layout.images = [];
    if (d.grid) gridLayout(layout, d.grid);
    layout.images = densityImages(density).concat(layout.images); // under the grid too (density.js)
    // After the decoded grid's legend line (gridLayout), not in its place.
    layout.annotations = (layout.annotations || []).concat(tripAnnotations(d), waypointLabels(d), analogyLabels(d));
  }
  return layout;
}

// The waypoints' numbers in 2D, 20 px above each point: clear of the click's ring (map.css .lm-probe, 14 px radius
// with its halo), which is drawn over the plot.
function waypointLabels(d) {
  const sel = (d.overlay || {}).selected;
  if (!sel) return [];
  return sel.text.map((text, k) => ({ name: "waypoint", x: sel.x[k], y: sel.y[k], xref: "x", yref: "y", text, showarrow: false,
    yshift: 20, font: { color: "#111827", size: 13 }, bgcolor: "rgba(255,255,255,0.7)", borderpad: 1 }));
}

// The round trip of the decoded spot (ui/round_trips.py): an arrow from where it was decoded to where its image,
// encoded again, lands on the map.
function tripAnnotations(d) {
  const trip = (d.overlay || {}).trip;
  if (!trip) return [];
  return [{ name: "round trip", x: trip.x[1], y: trip.y[1], ax: trip.x[0], ay: trip.y[0], xref: "x", yref: "y",
    axref: "x", ayref: "y", showarrow: true, arrowhead: 2, arrowsize: 1.2, arrowwidth: 2, arrowcolor: "#dc2626",
    text: "", standoff: 2 }];
}

// No "Edit in Chart Studio" cloud button (plotly.js 3 shows it by default): the app is offline and its data private.
const CONFIG = {
  displaylogo: false, displayModeBar: true, responsive: true, scrollZoom: true, showSendToCloud: false, showEditInChartStudio: false,
  modeBarButtonsToRemove: ["autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian", "resetCameraLastSave3d",
    "sendChartToCloud"],
  toImageButtonOptions: { filename: "latent-map", scale: 2 },
};
