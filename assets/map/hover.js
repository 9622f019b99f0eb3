// What follows the pointer. Over a point: its thumbnail (from a sprite sheet) and caption. Over the rest of a 2D
// map with a model: the decoded preview, the bilinear blend of the 4 atlas cells around the pointer (the atlas is
// the images decoded on a 64 x 64 grid over the map, latent_core.decode_atlas), with the inverse mapping's
// confidence as a bar. 2D hover is found here with a grid index over the points, built when the data arrives,
// not by plotly's hover, which searches every point on each move and freezes near 100,000 (plotly.js#8036);
// pointer moves are coalesced to one update per animation frame. 3D hover stays plotly's (it picks on the GPU).

// ---- the point under the pointer: a uniform grid over the points' bounding box, about 2 points a cell ------------

function buildIndex(p, n) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, p.x[i]); x1 = Math.max(x1, p.x[i]);
    y0 = Math.min(y0, p.y[i]); y1 = Math.max(y1, p.y[i]);
  }
  const side = Math.max(1, Math.round(Math.sqrt(n / 2)));
  const cw = (x1 - x0) / side || 1, ch = (y1 - y0) / side || 1;
  const cellOf = (i) => Math.min(side - 1, Math.floor((p.x[i] - x0) / cw)) * side + Math.min(side - 1, Math.floor((p.y[i] - y0) / ch));
  const starts = new Int32Array(side * side + 1), order = new Int32Array(n), cell = new Int32Array(n);
  for (let i = 0; i < n; i++) starts[(cell[i] = cellOf(i)) + 1]++;
  for (let c = 0; c < side * side; c++) starts[c + 1] += starts[c];
  const filled = starts.slice(0, side * side);
  for (let i = 0; i < n; i++) order[filled[cell[i]]++] = i;
  return { x0, y0, cw, ch, side, starts, order };
}

// Which trace each point is drawn in, so that points of a class hidden from the legend are not hovered or clicked.
function traceOf(owners, n) {
  const out = new Int32Array(n);
  owners.forEach((members, t) => members.forEach((i) => (out[i] = t)));
  return out;
}

// The visible point nearest to plot-area pixel (px, py) within HIT_RADIUS px, or null.
function nearestPoint(state, px, py) {
  const g = state.index, p = state.p, gd = state.gd, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  if (!g) return null;
  const mx = xa.p2l(px), my = ya.p2l(py), rx = HIT_RADIUS / Math.abs(xa._m), ry = HIT_RADIUS / Math.abs(ya._m);
  const clampCell = (v, lo, size) => Math.max(0, Math.min(g.side - 1, Math.floor((v - lo) / size)));
  const c0 = clampCell(mx - rx, g.x0, g.cw), c1 = clampCell(mx + rx, g.x0, g.cw);
  const r0 = clampCell(my - ry, g.y0, g.ch), r1 = clampCell(my + ry, g.y0, g.ch);
  let best = null, bestD = HIT_RADIUS * HIT_RADIUS;
  for (let c = c0; c <= c1; c++) {
    for (let r = r0; r <= r1; r++) {
      for (let k = g.starts[c * g.side + r]; k < g.starts[c * g.side + r + 1]; k++) {
        const i = g.order[k], dx = xa.l2p(p.x[i]) - px, dy = ya.l2p(p.y[i]) - py, dd = dx * dx + dy * dy;
        if (dd <= bestD && gd._fullData[state.traceOf[i]].visible === true) {
          bestD = dd;
          best = i;
        }
      }
    }
  }
  return best;
}

// Called by draw() when a revision's data arrives.
function indexPoints(state) {
  const d = state.data;
  state.index = d.dims === 2 ? buildIndex(state.p, d.n) : null;
  state.traceOf = traceOf(state.owners, d.n);
}

// ---- following the pointer --------------------------------------------------------------------------------------

function bindHover(state) {
  state.movedAt = null; // timeStamp of the oldest pointer move not yet drawn
  state.root.addEventListener("pointermove", (e) => {
    state.buttons = e.buttons;
    if (state.movedAt === null) state.movedAt = e.timeStamp;
    if (!state.frame) state.frame = requestAnimationFrame(() => hoverFrame(state));
  });
}

// One update per animation frame: the point under the pointer, else the decoded preview there (2D maps).
function hoverFrame(state) {
  state.frame = 0;
  const movedAt = state.movedAt;
  state.movedAt = null;
  const d = state.data, gd = state.gd;
  if (!d || d.dims !== 2 || !state.p || !gd._fullLayout || !gd._fullLayout.xaxis) return;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  const px = state.pointer.x - box.left - xa._offset, py = state.pointer.y - box.top - ya._offset;
  if (state.buttons || px < 0 || py < 0 || px > xa._length || py > ya._length) return hideTip(state); // dragging, or off the plot
  const i = nearestPoint(state, px, py);
  let shown = { kind: "point", index: i };
  if (i !== null) showPoint(state, i);
  else if (showPreview(state, xa.p2l(px), ya.p2l(py))) shown = { kind: "preview", ...state.preview };
  else return hideTip(state);
  // For measurement (benchmarks/ui_bench.py): what the tip shows after which pointer move, and when it was drawn.
  state.root.dispatchEvent(new CustomEvent("lm-hover", { detail: { ...shown, movedAt, drawnAt: performance.now() } }));
}

// Above and to the right of the pointer, or to its left where the map's right edge would cut the tip off.
function placeTip(state) {
  const box = state.root.getBoundingClientRect(), tip = state.tip;
  tip.style.display = "block";
  const x = state.pointer.x - box.left, width = tip.offsetWidth;
  const left = x + 14 + width <= box.width ? x + 14 : Math.max(0, x - 14 - width);
  const top = Math.max(state.pointer.y - box.top - tip.offsetHeight - 10, 4);
  Object.assign(tip.style, { left: left + "px", top: top + "px" });
}

// 3D: plotly's hover event names the point.
function showTip(state, ev) {
  const hit = (ev.points || []).find((pt) => pointIndex(state, pt) !== null);
  if (!hit) return hideTip(state);
  showPoint(state, pointIndex(state, hit));
}

function showPoint(state, i) {
  const d = state.data, p = state.p;
  state.hovered = i;
  tellLinked(state, p.ids[i]);
  state.tip.dataset.kind = "point";
  const parts = ["#" + p.ids[i]];
  if (p.labels) parts.push(d.labels.names[p.labels[i]]);
  if (d.colour.kind === "continuous") parts.push(d.colour.title + " " + p.colour[i].toFixed(2));
  state.tipText.textContent = parts.join(" · ");
  state.tipBar.style.display = "none";
  drawThumb(state, i);
  placeTip(state);
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

function hideTip(state) {
  state.hovered = null;
  state.tip.style.display = "none";
  tellLinked(state, null);
}

// ---- linked maps (the Compare page: payload.link names a group) -------------------------------------------------

// Maps of one group show the same images: hovering image `id` in one rings it in the others (null: none).
function tellLinked(state, id) {
  const group = state.data && state.data.link;
  if (!group || state.linkedId === id) return;
  state.linkedId = id;
  window.dispatchEvent(new CustomEvent("lm-link", { detail: { group, from: state.root, id } }));
}

function bindLink(state) {
  const ring = state.root.querySelector(".lm-link");
  window.addEventListener("lm-link", (e) => {
    const { group, from, id } = e.detail, d = state.data, gd = state.gd;
    if (!d || d.link !== group || from === state.root) return;
    const xa = gd._fullLayout && gd._fullLayout.xaxis, ya = gd._fullLayout && gd._fullLayout.yaxis;
    const i = id === null || !state.p ? -1 : state.p.ids.indexOf(id);
    if (i < 0 || d.dims !== 2 || !xa || !ya) {
      ring.style.display = "none";
      return;
    }
    const px = xa.l2p(state.p.x[i]), py = ya.l2p(state.p.y[i]);
    ring.dataset.id = String(id);
    Object.assign(ring.style, { display: "block", left: xa._offset + px + "px", top: ya._offset + py + "px" });
  });
}

// ---- the decoded preview ----------------------------------------------------------------------------------------

// The blend at map position (mx, my) drawn in the tip; false where there is no atlas or the position lies more
// than half a cell beyond its grid. The same arithmetic as latent_core.Atlas.blend.
function showPreview(state, mx, my) {
  const a = state.atlas, confidence = blendAt(a, mx, my);
  if (confidence === null) return false;
  const m = a.meta;
  const canvas = state.tipCanvas, ctx = canvas.getContext("2d");
  canvas.style.display = "block";
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(a.blendCanvas, 0, 0, canvas.width, canvas.height);
  state.hovered = null;
  state.tip.dataset.kind = "preview";
  state.tipText.textContent = `decoded here\nconfidence ${Math.round(confidence * 100)}%`;
  state.tipBar.style.display = "block";
  state.tipBar.firstChild.style.width = (confidence * 100).toFixed(1) + "%";
  state.preview = { x: mx, y: my, confidence, key: m.key };
  placeTip(state);
  return true;
}

// The atlas's blend at map position (mx, my) drawn into a.blendCanvas (its cell's size), and its confidence; null
// where there is no atlas or the position lies more than half a cell beyond its grid (the mosaic uses it too).
function blendAt(a, mx, my) {
  if (!a || !a.pixels) return null;
  const m = a.meta, last = m.cells - 1;
  const gx = ((mx - m.x0) / (m.x1 - m.x0)) * last, gy = ((m.y1 - my) / (m.y1 - m.y0)) * last;
  if (gx < -0.5 || gy < -0.5 || gx > last + 0.5 || gy > last + 0.5) return null;
  const fx = Math.max(0, Math.min(last, gx)), fy = Math.max(0, Math.min(last, gy));
  const col = Math.min(Math.floor(fx), last - 1), row = Math.min(Math.floor(fy), last - 1);
  const tx = fx - col, ty = fy - row;
  const weights = [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty];
  const cells = [[row, col], [row, col + 1], [row + 1, col], [row + 1, col + 1]];
  const out = a.blended.data, src = a.pixels, stride = m.cells * m.w * 4;
  const offsets = cells.map(([r, c]) => r * m.h * stride + c * m.w * 4);
  for (let y = 0; y < m.h; y++) {
    for (let x = 0; x < m.w; x++) {
      const o = (y * m.w + x) * 4, s = y * stride + x * 4;
      for (let ch = 0; ch < 3; ch++) {
        out[o + ch] = weights[0] * src[offsets[0] + s + ch] + weights[1] * src[offsets[1] + s + ch]
          + weights[2] * src[offsets[2] + s + ch] + weights[3] * src[offsets[3] + s + ch];
      }
      out[o + 3] = 255;
    }
  }
  const confidence = cells.reduce((sum, [r, c], k) => sum + weights[k] * a.confidence[r * m.cells + c], 0);
  a.blendCanvas.getContext("2d").putImageData(a.blended, 0, 0);
  return confidence;
}

// The atlas comes like the thumbnails: the server sends its pixels only when asked (one request at a time, the
// thumbnails first), and the page keeps the last few by key in window.__latentAtlases.
const ATLASES_KEPT = 2;

function useAtlas(state) {
  const meta = state.data.atlas;
  if (!meta || state.data.dims !== 2) {
    state.atlas = null;
    return;
  }
  const kept = window.__latentAtlases || (window.__latentAtlases = new Map());
  if (meta.src && !kept.has(meta.key)) {
    const atlas = { meta: { ...meta, src: undefined }, confidence: floats(meta.confidence), pixels: null };
    const img = new Image();
    img.onload = () => {
      unpackAtlas(atlas, img);
      scheduleMosaic(state); // its empty cells can be filled now
    };
    img.src = meta.src;
    kept.set(meta.key, atlas);
    if (kept.size > ATLASES_KEPT) kept.delete(kept.keys().next().value);
  }
  state.atlas = kept.get(meta.key) || null;
  const thumbnailsWanted = state.data.sprite && !state.spriteImage;
  if (!state.atlas && !meta.src && !thumbnailsWanted) askSheet(state, meta.key);
}

// The sprite's pixels as RGBA bytes (grey PNGs decode to R = G = B), and a w x h canvas to blend into.
function unpackAtlas(atlas, img) {
  const sheet = document.createElement("canvas");
  sheet.width = img.naturalWidth;
  sheet.height = img.naturalHeight;
  const ctx = sheet.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  atlas.blendCanvas = document.createElement("canvas");
  atlas.blendCanvas.width = atlas.meta.w;
  atlas.blendCanvas.height = atlas.meta.h;
  atlas.blended = atlas.blendCanvas.getContext("2d").createImageData(atlas.meta.w, atlas.meta.h);
  atlas.pixels = ctx.getImageData(0, 0, sheet.width, sheet.height).data;
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
  if (!state.spriteImage && !s.src) askSheet(state, s.key);
}

// ---- a click's answer at once -----------------------------------------------------------------------------------

// The decoded panel's first image becomes, at once, what the page already holds for the clicked spot: the point's
// own image (its thumbnail: the panel shows the original first) or the preview blended there (the panel shows the
// decoding first), drawn with sharp pixels, until the server's exact image replaces it (a new src from Streamlit).
// A second click on the same spot changes nothing: the server's image would be the same, so it would not come again.
function answerAtOnce(state, target) {
  const img = document.querySelector(".st-key-decoded img");
  const spot = target.index !== null ? "p" + target.index : "s" + target.x.toFixed(4) + "," + target.y.toFixed(4);
  if (!img || spot === state.answered) return;
  const canvas = target.index !== null ? thumbnailCanvas(state, target.index) : previewCanvas(state, target.x, target.y);
  if (!canvas) return;
  state.answered = spot;
  img.style.imageRendering = "pixelated";
  img.src = canvas.toDataURL();
}

function thumbnailCanvas(state, i) {
  const s = state.data.sprite, img = state.spriteImage;
  if (!s || !img || !img.complete || img.naturalWidth === 0) return null;
  const canvas = document.createElement("canvas");
  canvas.width = s.w;
  canvas.height = s.h;
  canvas.getContext("2d").drawImage(img, (i % s.cols) * s.w, Math.floor(i / s.cols) * s.h, s.w, s.h, 0, 0, s.w, s.h);
  return canvas;
}

function previewCanvas(state, x, y) {
  return showPreview(state, x, y) ? state.atlas.blendCanvas : null;
}
