// The plotly traces and layout of the map: points by colour, the overlays (path, waypoints), axes and the decoded grid.

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
    // 2D hover is hover.js's grid index (plotly's searches every point on each move); 3D keeps plotly's.
    hovermode: d.dims === 3 ? "closest" : false, hoverdistance: HIT_RADIUS, clickanywhere: d.dims === 2, dragmode: d.dims === 3 ? "orbit" : "zoom",
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

