// What follows the pointer: the hovered image's thumbnail (from a sprite sheet) and its caption.

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

