// Mosaic mode (payload.mosaic, 2D): thumbnails in place of dots. The plot area is cut into MOSAIC_CELL-px cells; each
// cell shows the first visible point that falls in it (so thumbnails never overlap, and zooming in shows more of
// them), drawn from the hover sprite sheet with a thin grey frame. With a model, a cell no point falls in shows the
// image decoded there (the hover preview's atlas blend, hover.js blendAt) with a dashed indigo frame and a little
// transparency, in the spirit of Activation Atlas. One 2D canvas over the plot, redrawn after every plotly redraw
// (zoom, pan, a legend click), when the thumbnails or the atlas arrive; its pointer events pass through to the map.

const MOSAIC_CELL = 36; // px a side: a thumbnail at about the size of the hover tip's
const DECODED_FRAME = "#6366f1";

function mosaicCanvas(state) {
  let canvas = state.root.querySelector(".lm-mosaic");
  if (!canvas) {
    canvas = document.createElement("canvas");
    canvas.className = "lm-mosaic";
    state.root.insertBefore(canvas, state.ring);
  }
  return canvas;
}

function scheduleMosaic(state) {
  if (state.mosaicPending) return;
  state.mosaicPending = true;
  requestAnimationFrame(() => {
    state.mosaicPending = false;
    drawMosaic(state);
  });
}

// Redraw once the sheet or the atlas given has loaded (each is an <img> the page decodes once).
function whenLoaded(state, img) {
  if (img && !(img.complete && img.naturalWidth > 0) && !img.__mosaicWaits) {
    img.__mosaicWaits = true;
    img.addEventListener("load", () => scheduleMosaic(state), { once: true });
  }
}

// The first visible point in each cell of the plot area: Int32Array (cols * rows), -1 where none falls.
function mosaicCells(state, xa, ya, cols, rows) {
  const p = state.p, gd = state.gd, taken = new Int32Array(cols * rows).fill(-1);
  const visible = state.owners.map((_, t) => gd._fullData[t] !== undefined && gd._fullData[t].visible === true);
  for (let i = 0; i < state.data.n; i++) {
    if (!visible[state.traceOf[i]]) continue;
    const px = xa.l2p(p.x[i]), py = ya.l2p(p.y[i]);
    if (!(px >= 0 && py >= 0 && px < xa._length && py < ya._length)) continue;
    const cell = Math.floor(py / MOSAIC_CELL) * cols + Math.floor(px / MOSAIC_CELL);
    if (taken[cell] < 0) taken[cell] = i;
  }
  return taken;
}

function drawMosaic(state) {
  const d = state.data, gd = state.gd, canvas = mosaicCanvas(state), root = state.root;
  const xa = gd._fullLayout && gd._fullLayout.xaxis, ya = gd._fullLayout && gd._fullLayout.yaxis;
  if (!d || !d.mosaic || d.dims !== 2 || !xa || !ya || !state.p || !state.traceOf) {
    canvas.style.display = "none";
    delete root.dataset.mosaic;
    return;
  }
  const started = performance.now(), w = xa._length, h = ya._length, ratio = window.devicePixelRatio || 1;
  Object.assign(canvas.style, { display: "block", left: xa._offset + "px", top: ya._offset + "px", width: w + "px", height: h + "px" });
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.imageSmoothingEnabled = false;
  const cols = Math.ceil(w / MOSAIC_CELL), rows = Math.ceil(h / MOSAIC_CELL);
  const taken = mosaicCells(state, xa, ya, cols, rows);
  const s = d.sprite, img = state.spriteImage, sheet = s && img && img.complete && img.naturalWidth > 0;
  whenLoaded(state, img);
  let images = 0, decoded = 0;
  for (let cell = 0; cell < taken.length; cell++) {
    const x = (cell % cols) * MOSAIC_CELL, y = Math.floor(cell / cols) * MOSAIC_CELL, i = taken[cell];
    if (i >= 0 && sheet) {
      ctx.fillStyle = "#9ca3af";
      ctx.fillRect(x + 1, y + 1, MOSAIC_CELL - 2, MOSAIC_CELL - 2);
      ctx.drawImage(img, (i % s.cols) * s.w, Math.floor(i / s.cols) * s.h, s.w, s.h, x + 2, y + 2, MOSAIC_CELL - 4, MOSAIC_CELL - 4);
      images++;
    } else if (i < 0 && blendAt(state.atlas, xa.p2l(x + MOSAIC_CELL / 2), ya.p2l(y + MOSAIC_CELL / 2)) !== null) {
      ctx.globalAlpha = 0.75;
      ctx.drawImage(state.atlas.blendCanvas, x + 3, y + 3, MOSAIC_CELL - 6, MOSAIC_CELL - 6);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = DECODED_FRAME;
      ctx.lineWidth = 1;
      ctx.setLineDash([3, 2]);
      ctx.strokeRect(x + 1.5, y + 1.5, MOSAIC_CELL - 3, MOSAIC_CELL - 3);
      ctx.setLineDash([]);
      decoded++;
    }
  }
  // For tests and benchmarks/ui_bench.py: which points show, how many real and decoded tiles, how long it took.
  state.mosaicShown = taken.filter((i) => i >= 0);
  root.dataset.mosaic = String(images);
  root.dataset.mosaicDecoded = String(decoded);
  const ms = performance.now() - started;
  (window.__mosaicMs || (window.__mosaicMs = [])).push(ms);
}
