"""The sessions benchmarks/load_bench.py drives, in headless Chromium or over a plain websocket (ws_client.py).

Both drivers do the same things to the server: a clicker opens the Map page, asks for the hover thumbnails' sprite
sheet and then the hover atlas as the map's hover.js does (each once, when the drawn map names one it lacks) and
clicks points; a trainer opens the Model page,
submits the training form with 1000 epochs and answers the page's auto-reruns (progress polling) until it presses
Cancel. A click's latency is, in the browser, from the pointerdown event to the decoded image loaded (taken in the
page, as in ui_bench); over the websocket, from sending the click's rerun_script to both /media images of the decoded
panel fetched. Both count a click as a wrong image when the panel's title names another image than the clicked one.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time

from streamlit.proto.WidgetStates_pb2 import WidgetState
from ws_client import Session, component_data, map_points, state_values, trigger_state

from ui.server import CHROMIUM, CHROMIUM_ARGS, chromium_path

VIEWPORT = {"width": 1440, "height": 1000}
DECODED = ".st-key-decoded img"
TITLE = re.compile(r"Image #(\d+)")
EPOCHS = 1000
TIMEOUT_S = 120
CLICK_TIMEOUT_S = 30
SETTLE_S = 300  # the longest the warm-up waits for the map's background jobs
POINT_CLICK = b'"kind":"point"'  # in a BackMsg that carries a map click (its JSON trigger value)
# In-page timing and map geometry, as in benchmarks/ui_bench.py.
INSTALL_TIMER = """() => { window.__bench = {start: 0};
  document.addEventListener('pointerdown', () => { window.__bench.start = performance.now(); }, true); }"""
# The server's image: a map click first shows the page's own preview in the panel (a data: URL), not counted here.
IMAGE_CHANGED = """([selector, before]) => { const img = document.querySelector(selector);
  if (img === null || img.src === before || img.src.startsWith('data:')) return false;
  if (!img.complete || img.naturalWidth === 0) return false;
  window.__bench.end = performance.now(); return true; }"""
MAP_STATE = "document.querySelector('.lm-root').__latentMap"
ISOLATED_POINTS = f"""() => {{ const s = {MAP_STATE};
  const xa = s.gd._fullLayout.xaxis, ya = s.gd._fullLayout.yaxis, b = s.gd.getBoundingClientRect();
  const px = Array.from(s.p.x, (v) => xa.l2p(v)), py = Array.from(s.p.y, (v) => ya.l2p(v)); const out = [];
  for (let i = 0; i < px.length; i++) {{
    if (px[i] < 10 || py[i] < 10 || px[i] > xa._length - 10 || py[i] > ya._length - 10) continue;
    let alone = true;
    for (let j = 0; j < px.length && alone; j++) alone = j === i || (px[i] - px[j]) ** 2 + (py[i] - py[j]) ** 2 > 64;
    if (alone) out.push([i, b.left + xa._offset + px[i], b.top + ya._offset + py[i]]); }}
  return out; }}"""
DECODED_SRC = "(s) => { const i = document.querySelector(s); return i ? i.src : ''; }"
DECODED_TITLE = "() => { const d = document.querySelector('.st-key-decoded'); return d ? d.innerText : ''; }"


def shown_index(title: str) -> int | None:
    """The image number a decoded panel's title names ('Image #12 · label 3' -> 12), or None."""
    found = TITLE.search(title or "")
    return int(found.group(1)) if found else None


def next_point(rng: random.Random, candidates: list[int], last: int | None, planned: list[int] | None, k: int) -> int:
    """The k-th point to click: the planned one when replaying another client's clicks, else a random candidate
    other than the last one clicked."""
    if planned is not None:
        return planned[k]
    return rng.choice([i for i in candidates if i != last] or candidates)


class Browser:
    """Sessions in headless Chromium (Debian's chromium), one browser context each."""

    name = "browser"

    def __init__(self, playwright):
        self.playwright, self.browser = playwright, None

    async def start(self) -> None:
        self.browser = await self.playwright.chromium.launch(
            executable_path=chromium_path() or CHROMIUM, args=CHROMIUM_ARGS
        )

    async def stop(self) -> None:
        await self.browser.close()

    async def _page(self, url: str, sent_clicks: list | None = None):
        """A new context's page at `url`; the point clicks' BackMsgs it sends are added to `sent_clicks`."""
        context = await self.browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_S * 1000)
        if sent_clicks is not None:

            def sent(payload) -> None:
                if isinstance(payload, bytes) and POINT_CLICK in payload:
                    sent_clicks.append(payload)

            page.on("websocket", lambda ws: ws.on("framesent", sent))
        await page.goto(url)
        return context, page

    async def open_map(self, url: str):
        sent_clicks = []  # the BackMsgs of its point clicks, for load_bench's replay check
        context, page = await self._page(url, sent_clicks)
        page.sent_clicks = sent_clicks
        await page.wait_for_selector(".lm-root[data-ready=true]")
        await page.evaluate(INSTALL_TIMER)
        return context, page

    async def close(self, handle) -> None:
        await handle[0].close()

    async def settle(self, handle) -> None:
        """Wait until the map's background jobs are done: its page shows no progress caption any more."""
        with contextlib.suppress(Exception):  # still busy after the wait: the rounds begin anyway
            await handle[1].get_by_text(re.compile(r"…$")).first.wait_for(state="detached", timeout=SETTLE_S * 1000)

    async def clicker(self, handle, clicks, pause, deadline, rng, planned=None) -> dict:
        page = handle[1]
        points = {index: (x, y) for index, x, y in await page.evaluate(ISOLATED_POINTS)}
        latencies, wrong, timeouts, clicked, last = [], [], 0, [], None
        for k in range(len(planned) if planned is not None else clicks):
            if time.monotonic() > deadline:
                break
            index = next_point(rng, list(points), last, planned, k)
            before = await page.evaluate(DECODED_SRC, DECODED)
            await page.mouse.click(*points[index])
            clicked.append(index)
            try:
                await page.wait_for_function(
                    IMAGE_CHANGED, arg=[DECODED, before], polling="raf", timeout=CLICK_TIMEOUT_S * 1000
                )
            except Exception:  # noqa: BLE001 - an unanswered click is counted, and the session goes on
                timeouts += 1
                continue
            latencies.append(await page.evaluate("() => window.__bench.end - window.__bench.start"))
            shown = shown_index(await page.evaluate(DECODED_TITLE))
            if shown != index:  # the title may follow the picture by a moment
                await page.wait_for_timeout(3_000)
                shown = shown_index(await page.evaluate(DECODED_TITLE))
                if shown != index:
                    wrong.append((index, shown))
            last = index
            await page.wait_for_timeout(pause * 1000 * (0.5 + rng.random()))
        return {"latencies": latencies, "wrong": wrong, "timeouts": timeouts, "clicked": clicked}

    async def start_training(self, url: str):
        """A session on the Model page with a 1000-epoch training started; returns (handle, started)."""
        context, page = await self._page(f"{url}/model")
        await page.get_by_role("heading", name="Model", exact=True).wait_for()
        field = page.get_by_role("spinbutton", name="Epochs")
        await field.fill(str(EPOCHS))
        await field.press("Tab")
        await page.get_by_role("button", name="Start training").click()
        try:  # running (its epochs counting) or waiting in line for a worker: either way Cancel is offered
            await page.locator(".st-key-cancel_training").first.wait_for(timeout=60_000)
            return (context, page), True
        except Exception:  # noqa: BLE001 - a training that never showed up is reported, not fatal
            return (context, page), False

    async def training_running(self, handle) -> bool:
        return await handle[1].locator(".st-key-cancel_training").count() > 0

    async def wait_epoch(self, handle) -> None:
        await handle[1].get_by_text(re.compile(rf"Epoch \d+/{EPOCHS}")).first.wait_for(timeout=TIMEOUT_S * 1000)

    async def cancel_training(self, handle) -> None:
        try:
            await handle[1].locator(".st-key-cancel_training button").first.click(timeout=10_000)
        except Exception:  # noqa: BLE001 - finished or gone already
            pass


class Websocket:
    """Sessions over a plain websocket (ws_client.Session): no rendering, no JavaScript."""

    name = "ws"

    def __init__(self, playwright=None):
        pass

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def open_map(self, url: str) -> dict:
        session = await Session.open(url, "map", timeout=TIMEOUT_S)

        def drawn_map():
            for _, element, fragment in session.tree.elements():
                if element.WhichOneof("type") == "bidi_component" and "x" in component_data(element):
                    return element, fragment
            return None

        element, fragment = await session.wait_for(drawn_map, TIMEOUT_S)
        x, y, ids = map_points(component_data(element))
        handle = {"session": session, "map": element, "fragment": fragment, "x": x, "y": y, "ids": ids, "seq": 0}
        handle |= {"drawn": (None, {}), "kept": set(), "asked": set()}
        handle["sheets"] = asyncio.create_task(self._ask_for_sheets(handle))
        await asyncio.sleep(0)  # let it ask for the thumbnails, as the map does once drawn
        await session.wait_idle(TIMEOUT_S)
        return handle

    @staticmethod
    def _wanted_sheet(handle: dict) -> str | None:
        """As assets/map/hover.js: the key of a sheet the drawn map names but whose pixels it has not got (its
        thumbnails first; the hover atlas of a 2D map once the thumbnails are in), if not asked for yet."""
        if handle["session"].running:  # the browser draws (and asks) after the run's deltas, not during the run
            return None
        map_id = handle["map"].bidi_component.id
        element = next((e for _, e, _ in handle["session"].tree.elements() if e.bidi_component.id == map_id), None)
        if element is None:
            return None
        if handle["drawn"][0] is not element:  # parse the map's data once per delta
            handle["drawn"] = (element, component_data(element))
        data = handle["drawn"][1]
        sprite, atlas = data.get("sprite") or {}, data.get("atlas") or {}
        for sheet in (sprite, atlas):
            if sheet.get("src"):
                handle["kept"].add(sheet["key"])
        thumbnails_wanted = bool(sprite) and sprite["key"] not in handle["kept"]
        if thumbnails_wanted:
            return sprite["key"] if sprite["key"] not in handle["asked"] else None
        if atlas and data.get("dims") == 2 and atlas["key"] not in handle["kept"] | handle["asked"]:
            return atlas["key"]
        return None

    async def _ask_for_sheets(self, handle: dict) -> None:
        while True:
            key = await handle["session"].wait_for(lambda: self._wanted_sheet(handle), None)
            handle["asked"].add(key)  # as assets/map/map.js's askSheet: a state value, not the event trigger
            sheet = state_values(handle["map"], {"sheet": {"key": key, "nonce": random.random()}})
            await handle["session"].rerun([sheet], fragment_id=handle["fragment"])

    async def _send(self, handle: dict, event: dict) -> None:
        handle["seq"] += 1
        instance = handle.setdefault("instance", f"{random.random():.10f}"[2:])  # as map.js: the map instance's id
        recent = (handle.get("recent", []) + [event | {"seq": handle["seq"]}])[-8:]  # as map.js: its latest events
        handle["recent"] = recent
        state = trigger_state(handle["map"], "event", {"from": instance, "events": recent})
        await handle["session"].rerun([state], fragment_id=handle["fragment"])

    async def settle(self, handle: dict) -> None:
        """Wait until the map's background jobs are done (no fragment polls any more) and its sheets are in."""
        session = handle["session"]
        with contextlib.suppress(TimeoutError):  # still busy after the wait: the rounds begin anyway
            await session.wait_for(
                lambda: not session.auto_reruns and not session.running and not self._wanted_sheet(handle), SETTLE_S
            )

    async def close(self, handle) -> None:
        if isinstance(handle, dict):
            handle["sheets"].cancel()
            handle = handle["session"]
        await handle.close()

    @staticmethod
    def decoded_panel(session: Session):
        """(title, media urls) of the decoded panel, or (None, [])."""
        path = session.tree.block("decoded")
        title, urls = None, []
        for _, element, _ in session.tree.elements(path) if path is not None else ():
            kind = element.WhichOneof("type")
            if kind == "markdown" and title is None:
                title = element.markdown.body
            elif kind == "imgs":
                urls = [image.url for image in element.imgs.imgs]
        return title, urls

    async def clicker(self, handle, clicks, pause, deadline, rng, planned=None) -> dict:
        session, x, y, ids = handle["session"], handle["x"], handle["y"], handle["ids"]
        latencies, wrong, timeouts, clicked, last = [], [], 0, [], None
        candidates = list(range(len(x)))
        for k in range(len(planned) if planned is not None else clicks):
            if time.monotonic() > deadline:
                break
            index = next_point(rng, candidates, last, planned, k)
            _, before = self.decoded_panel(session)
            started = time.monotonic()
            # As the map sends it (assets/map/map.js): the point's float32 map coordinates as JSON numbers, no shift.
            point = {"kind": "point", "index": index, "x": float(x[index]), "y": float(y[index]), "add": False}
            await self._send(handle, point)
            clicked.append(index)
            try:
                title, urls = await session.wait_for(
                    lambda before=before: (p := self.decoded_panel(session))[1] and p[1] != before and p,
                    CLICK_TIMEOUT_S,
                )
                ended = await session.fetch_media(urls)
            except (TimeoutError, RuntimeError):
                timeouts += 1
                continue
            latencies.append((ended - started) * 1000)
            if shown_index(title) != int(ids[index]):
                wrong.append((index, shown_index(title)))
            last = index
            await asyncio.sleep(pause * (0.5 + rng.random()))
        return {"latencies": latencies, "wrong": wrong, "timeouts": timeouts, "clicked": clicked}

    async def start_training(self, url: str):
        """A Model page session that submitted the training form with 1000 epochs; returns (session, started)."""
        session = await Session.open(url, "model", timeout=TIMEOUT_S)
        epochs, _ = session.tree.widget("-train_epochs")
        submit, fragment = session.tree.widget("FormSubmitter:train_form-Start training")
        if epochs is None or submit is None:
            return session, False
        value = session.values[epochs.number_input.id]
        value.int_value = EPOCHS
        press = WidgetState(id=submit.button.id, trigger_value=True)
        await session.rerun([value, press], fragment_id=fragment)
        try:
            await session.wait_for(lambda: session.tree.widget("-cancel_training")[0] is not None, 60)
            return session, True
        except TimeoutError:
            return session, False

    async def training_running(self, session) -> bool:
        return session.tree.widget("-cancel_training")[0] is not None

    async def wait_epoch(self, session) -> None:
        pattern = re.compile(rf"Epoch \d+/{EPOCHS}")

        def epoch_shown():
            return any(pattern.search(str(element)) for _, element, _ in session.tree.elements())

        await session.wait_for(epoch_shown, TIMEOUT_S)

    async def cancel_training(self, session) -> None:
        button, fragment = session.tree.widget("-cancel_training")
        if button is not None:
            await session.rerun([WidgetState(id=button.button.id, trigger_value=True)], fragment_id=fragment)


DRIVERS = {"browser": Browser, "ws": Websocket}
