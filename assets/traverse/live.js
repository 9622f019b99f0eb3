// The Traverse page's live preview: while a slider is dragged (or moved with the arrow keys), the frame at the
// slider's value is drawn, at animation-frame rate, on a canvas over the image the server last decoded; once the
// server has decoded the released value exactly, its image shows again. See ui/traverse_component.py.
//
// The sliders are Streamlit's own: each is found by the class st-key-<key> that Streamlit gives a keyed widget, and
// its value read from its range input. A slider's strip of frames is asked for (trigger "want") when the pointer
// enters it or the keyboard focuses it. window.__traverseLive.drawn records each frame drawn (for benchmarks).

const SPRITES_KEPT = 24; // decoded strip images, by content key
const KEY_WINDOW_MS = 600; // after a key press, how long the value is followed
const HIDE_AFTER_MS = 3000; // the frame gives way to the server's image at the latest this long after it arrived
const DRAWN_KEPT = 4000;
const ASK_AGAIN_MS = 2000; // a strip asked for and not come after this long is asked for again
const ASKS = 5; // at most this many times in a row without a new entry or focus

function spriteImage(strip) {
  const kept = window.__traverseSprites || (window.__traverseSprites = new Map());
  let img = kept.get(strip.key);
  if (!img) {
    img = new Image();
    img.src = strip.src;
    kept.set(strip.key, img);
    if (kept.size > SPRITES_KEPT) kept.delete(kept.keys().next().value);
  }
  return img;
}

function sliderOf(state, target) {
  if (!state.data || !(target instanceof Element)) return null;
  return Object.keys(state.data.sliders).find((key) => target.closest(".st-key-" + key)) || null;
}

const sliderInput = (key) => document.querySelector(".st-key-" + key + ' input[type="range"]');
const decodedImage = (state) => document.querySelector(".st-key-" + state.data.image + " img");

function want(state, key, asks = 1) {
  if (!key || state.data.strips[key]) return;
  const asked = state.asked.get(key);
  // A request that brought nothing for a while (lost: its rerun dropped) is made again on the next entry or focus,
  // and by itself after ASK_AGAIN_MS (the keyboard may stay on one slider, and the pointer in it, for long).
  if (asked !== undefined && performance.now() - asked < ASK_AGAIN_MS) return;
  state.asked.set(key, performance.now());
  // Every key asked since the last render, oldest first: of trigger values that reach the server together only the
  // newest is kept, so a second slider entered at once would otherwise drop the first's request.
  state.setTriggerValue("want", [...state.asked.keys()]);
  clearTimeout(state.askAgain);
  if (asks < ASKS) state.askAgain = setTimeout(() => state.data && want(state, key, asks + 1), ASK_AGAIN_MS + 50);
}

// Where `value` falls in the strip, in frames: a whole number on a frame (every value, for most models), else
// between two (a slow model's frames are several slider steps apart).
function framePosition(strip, value) {
  const at = Math.round(((value - strip.low) / strip.step) * 1e4) / 1e4;
  return Math.max(0, Math.min(strip.count - 1, at));
}

// Draw the strip's image at `value` over the decoded image, at its size and place on the screen: its frame, or the
// two frames around it blended (an image already shown is not drawn again); false while the sprite or the image is
// not there yet.
function draw(state, key, strip, value) {
  const img = spriteImage(strip), under = decodedImage(state), canvas = state.canvas;
  if (!under || !img.complete || img.naturalWidth === 0) return false;
  const index = framePosition(strip, value), box = under.getBoundingClientRect();
  if (canvas.width !== strip.w || canvas.height !== strip.h) Object.assign(canvas, { width: strip.w, height: strip.h });
  Object.assign(canvas.style, {
    display: "block", left: box.left + "px", top: box.top + "px", width: box.width + "px", height: box.height + "px",
  });
  if (!state.shown || state.shown.key !== key || state.shown.index !== index || state.shown.strip !== strip.key) {
    const ctx = canvas.getContext("2d");
    const low = Math.floor(index), share = index - low;
    ctx.imageSmoothingEnabled = false;
    ctx.globalAlpha = 1;
    ctx.drawImage(img, low * strip.w, 0, strip.w, strip.h, 0, 0, strip.w, strip.h);
    if (share > 0) {
      ctx.globalAlpha = share;
      ctx.drawImage(img, (low + 1) * strip.w, 0, strip.w, strip.h, 0, 0, strip.w, strip.h);
      ctx.globalAlpha = 1;
    }
    state.drawn.push({ at: performance.now(), move: state.lastMove, key, index });
    if (state.drawn.length > DRAWN_KEPT) state.drawn.splice(0, state.drawn.length - DRAWN_KEPT);
  }
  state.shown = { key, index, value, strip: strip.key };
  return true;
}

function hide(state) {
  state.shown = null;
  state.canvas.style.display = "none";
}

// The server has the value shown: show its image again once it has loaded.
function giveWay(state) {
  const img = decodedImage(state), shown = state.shown;
  if (!shown || shown.leaving) return;
  shown.leaving = true;
  const done = () => state.shown === shown && hide(state);
  if (!img || (img.complete && img.naturalWidth > 0)) requestAnimationFrame(done);
  else img.addEventListener("load", done, { once: true });
  setTimeout(done, HIDE_AFTER_MS);
}

function following(state) {
  return state.down || performance.now() < state.keyUntil;
}

// Each animation frame while a slider moves: the frame at its value, or the server's image when they agree.
function tick(state) {
  state.looping = false;
  const key = state.active, data = state.data;
  if (!key || !data || !(key in data.sliders)) return hide(state);
  const strip = data.strips[key], input = sliderInput(key);
  const value = input ? parseFloat(input.value) : NaN;
  const committed = Math.abs(value - data.sliders[key]) < 1e-6;
  if (strip && Number.isFinite(value) && (!committed || following(state))) draw(state, key, strip, value);
  else if (committed && state.shown) giveWay(state);
  if (following(state)) loop(state);
}

function loop(state) {
  if (state.looping) return;
  state.looping = true;
  requestAnimationFrame(() => tick(state));
}

function build(parentElement) {
  const root = document.createElement("div");
  root.className = "tl-root";
  parentElement.appendChild(root);
  const canvas = document.createElement("canvas");
  canvas.className = "tl-frame";
  document.body.appendChild(canvas);
  const state = {
    root, canvas, data: null, active: null, down: false, keyUntil: 0, looping: false, shown: null,
    asked: new Map(), lastMove: 0, drawn: [],
  };
  const start = (key) => {
    state.active = key;
    loop(state);
  };
  state.listeners = {
    pointerover: (e) => want(state, sliderOf(state, e.target)),
    focusin: (e) => want(state, sliderOf(state, e.target)),
    pointerdown: (e) => {
      const key = sliderOf(state, e.target);
      if (!key) return;
      want(state, key);
      state.down = true;
      start(key);
    },
    pointermove: () => {
      state.lastMove = performance.now();
    },
    pointerup: () => {
      state.down = false;
      if (state.active) loop(state); // a release where it started changes nothing on the server: give way now
    },
    pointercancel: () => {
      state.down = false;
    },
    keydown: (e) => {
      const key = sliderOf(state, e.target);
      if (!key) return;
      state.keyUntil = performance.now() + KEY_WINDOW_MS;
      start(key);
    },
  };
  for (const [name, fn] of Object.entries(state.listeners)) document.addEventListener(name, fn, true);
  root.__traverseLive = state;
  window.__traverseLive = state;
  return state;
}

function teardown(state) {
  clearTimeout(state.askAgain);
  for (const [name, fn] of Object.entries(state.listeners)) document.removeEventListener(name, fn, true);
  state.canvas.remove();
  if (window.__traverseLive === state) window.__traverseLive = null;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const existing = parentElement.querySelector(".tl-root");
  const state = existing ? existing.__traverseLive : build(parentElement);
  state.data = data;
  state.setTriggerValue = setTriggerValue;
  state.asked = new Map();
  const keys = Object.keys(data.strips);
  keys.forEach((key) => spriteImage(data.strips[key]));
  state.root.dataset.strips = keys.join(" ");
  if (state.shown && !following(state)) {
    // The server's image is of the value shown, or of where the slider now is (Reset): show it again.
    const value = data.sliders[state.shown.key], input = sliderInput(state.shown.key);
    const at = (v) => v !== undefined && Math.abs(value - v) < 1e-6;
    if (value === undefined || at(state.shown.value) || at(input ? parseFloat(input.value) : undefined)) giveWay(state);
  }
  return () => {
    setTimeout(() => {
      if (!state.root.isConnected) teardown(state);
    }, 0);
  };
}
