"""A plain-websocket Streamlit client: a browser session without the browser, for benchmarks/load_bench.py.

It speaks Streamlit's own protocol with Streamlit's protobufs, as the browser's frontend does (captured from
Chromium with Streamlit 1.67 and checked against it by `load_bench.py --check-replay`):

  - the websocket is /_stcore/stream with the subprotocol "streamlit" and the page's Origin;
  - every BackMsg is a `rerun_script` carrying the ClientState: the query string the server last set, the value of
    every widget on the page (each widget's default from its proto until the client changes it, the form's values
    included; trigger values such as a button press are sent once), the page's script hash (from the `navigation`
    message: with st.navigation, new_session names the main script), the fragment id when the
    widget that triggered it lives in a fragment, the hashes of the cached ForwardMsgs (the server then sends a
    reference instead of the message), and the context (time zone, locale, url);
  - ForwardMsg deltas build the element tree by delta path; elements a run did not send again are dropped when it
    finishes (in the fragments it ran, for a fragment run), as the frontend does;
  - `auto_rerun` messages (st.fragment(run_every=...)) make the client rerun that fragment at that interval, as the
    browser does, until a full run starts or `stop_auto_rerun` names it;
  - the media a run shows (/media/... URLs) are fetched at once over keep-alive HTTP connections, like a browser's.

It renders nothing: no JavaScript, no layout, no images decoded. The pure parts (widget_state, ElementTree,
map_points) are unit-tested in tests/app/test_ws_client.py; `Session` needs a server.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from urllib.parse import urlsplit

import numpy as np
import websockets
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False, "color_scheme": "light"}
HTTP_CONNECTIONS = 6  # a browser's connections per host
DEFAULT_MAX_CACHED_AGE = 2  # runs a cached message is kept unused (the server's config says; this is its default)


def widget_state(element) -> WidgetState | None:
    """The value the frontend reports for a widget element before the user touches it (its proto's value when the
    server set one, else its default); None for widgets that report nothing until used (buttons, components)."""
    kind = element.WhichOneof("type")
    proto = getattr(element, kind) if kind else None
    state = WidgetState(id=getattr(proto, "id", ""))
    if kind == "checkbox":
        state.bool_value = proto.value if proto.set_value else proto.default
    elif kind in ("selectbox", "radio"):
        if proto.set_value and proto.HasField("raw_value"):
            state.string_value = proto.raw_value
        elif proto.HasField("default"):
            state.string_value = proto.options[proto.default]
        else:
            return None
    elif kind == "button_group":
        chosen = proto.raw_values if proto.set_value else [proto.options[i].content for i in proto.default]
        state.string_array_value.data.extend(chosen)
    elif kind == "number_input":
        if proto.set_value:
            value = proto.value
        elif proto.HasField("default"):
            value = proto.default
        else:
            return None
        if proto.data_type == NumberInput.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind == "slider":
        values = list(proto.value if proto.set_value else proto.default)
        if proto.type == Slider.SELECT_SLIDER:
            state.string_array_value.data.extend(proto.options[int(i)] for i in values)
        else:
            state.double_array_value.data.extend(values)
    elif kind == "text_input":
        state.string_value = proto.value if proto.set_value else proto.default
    elif kind == "file_uploader":
        state.file_uploader_state_value.SetInParent()
    else:
        return None
    return state


class ElementTree:
    """The page as the deltas built it: delta path -> (Element or Block proto, run id, fragment id)."""

    def __init__(self):
        self.nodes: dict[tuple[int, ...], tuple[object, str, str]] = {}

    def apply(self, msg: ForwardMsg, run_id: str) -> None:
        path, delta = tuple(msg.metadata.delta_path), msg.delta
        kind = delta.WhichOneof("type")
        if kind == "new_element":
            self.nodes[path] = (delta.new_element, run_id, delta.fragment_id)
        elif kind == "add_block":
            self.nodes[path] = (delta.add_block, run_id, delta.fragment_id)

    def finish(self, run_id: str, fragment_ids: list[str]) -> None:
        """Drop what the finished run did not send again (only within its fragments, for a fragment run)."""
        self.nodes = {
            path: node
            for path, node in self.nodes.items()
            if node[1] == run_id or (fragment_ids and node[2] not in fragment_ids)
        }

    def elements(self, under: tuple[int, ...] = ()):
        """(path, Element, fragment id) in page order, below the block at `under`."""
        for path in sorted(self.nodes):
            proto, _, fragment = self.nodes[path]
            if path[: len(under)] == under and path != under and not hasattr(proto, "allow_empty"):
                yield path, proto, fragment

    def block(self, key: str) -> tuple[int, ...] | None:
        """Path of the block made with `st.container(key=key)` (its id ends in '-key'), or None."""
        for path, (proto, _, _) in self.nodes.items():
            if hasattr(proto, "allow_empty") and proto.id.endswith("-" + key):
                return path
        return None

    def widget(self, key_suffix: str):
        """(Element, fragment id) of the widget whose id ends with `key_suffix`, or (None, '')."""
        for _, element, fragment in self.elements():
            kind = element.WhichOneof("type")
            if kind and getattr(getattr(element, kind), "id", "").endswith(key_suffix):
                return element, fragment
        return None, ""


def component_data(element) -> dict:
    """The JSON data a components v2 element was given."""
    proto = element.bidi_component
    return json.loads(proto.mixed.json if proto.WhichOneof("data") == "mixed" else proto.json)


def map_points(data: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y (float32, map coordinates) and ids (int32, the image each point shows) of the map component's data:
    base64 of little-endian arrays, as ui/map_data.py sends them."""

    def array(name: str, dtype: str) -> np.ndarray:
        return np.frombuffer(base64.b64decode(data[name]), dtype=np.dtype(dtype).newbyteorder("<"))

    return array("x", "f4"), array("y", "f4"), array("ids", "i4")


def state_values(element, values: dict) -> WidgetState:
    """The widget state a components v2 element sends after `setStateValue(name, value)`: its whole state map."""
    state = WidgetState(id=element.bidi_component.id)
    state.json_value = json.dumps(values, separators=(",", ":"))
    return state


def trigger_state(element, event: str, value: dict) -> WidgetState:
    """The widget state a components v2 element sends for `setTriggerValue(event, value)`."""
    state = WidgetState(id=_make_trigger_id(element.bidi_component.id, "events"))
    state.json_trigger_value = json.dumps([{"event": event, "value": value}], separators=(",", ":"))
    return state


class Http:
    """GETs, one at a time, over one keep-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.reader = self.writer = None
        self.lock = asyncio.Lock()

    async def get(self, path: str) -> tuple[int, bytes]:
        async with self.lock:
            for attempt in (0, 1):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                try:
                    request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n\r\n"
                    self.writer.write(request.encode())
                    status_line = await self.reader.readline()
                    if not status_line:
                        raise ConnectionError("closed")
                    headers = {}
                    while (line := await self.reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.decode("latin-1").partition(":")
                        headers[name.strip().lower()] = value.strip()
                    body = await self.reader.readexactly(int(headers.get("content-length", 0)))
                    if headers.get("connection", "").lower() == "close":
                        await self.close()
                    return int(status_line.split()[1]), body
                except (ConnectionError, asyncio.IncompleteReadError):
                    await self.close()
                    if attempt:
                        raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class Session:
    """One Streamlit session over a websocket; `await Session.open(url, "map")` runs the page's first script run."""

    def __init__(self, base_url: str, page: str):
        self.base_url, self.page = base_url.rstrip("/"), page
        self.tree = ElementTree()
        self.values: dict[str, WidgetState] = {}  # widget id -> the value the client reports
        self.query_string = ""
        self.page_script_hash = ""
        self.run_id, self.fragment_ids, self.running = "", [], False
        self.finished_runs = 0  # script_finished messages, early ones included
        self.run_count = 0  # runs that finished (not early for a rerun): the message cache's clock
        self.cache: dict[str, list] = {}  # hash -> [ForwardMsg, run_count when last sent or referenced, fragment id]
        self.max_cached_age = DEFAULT_MAX_CACHED_AGE
        self.auto_reruns: dict[str, tuple[float, asyncio.Task]] = {}
        self.changed = asyncio.Condition()
        self.http = [Http(self.base_url) for _ in range(HTTP_CONNECTIONS)]
        self.sent: list[BackMsg] = []  # every BackMsg sent, for --check-replay
        self.socket = self.reader = None

    @classmethod
    async def open(cls, base_url: str, page: str = "", timeout: float = 120) -> Session:
        session = cls(base_url, page)
        await session.http[0].get("/" + page)  # the page's HTML, as a browser loads it first
        parts = urlsplit(session.base_url)
        session.socket = await websockets.connect(
            f"ws://{parts.netloc}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=session.base_url,
            max_size=None,
            compression=None,
        )
        session.reader = asyncio.create_task(session._read())
        await session.rerun(first=True)
        await session.wait_idle(timeout)
        return session

    async def close(self) -> None:
        for _, task in self.auto_reruns.values():
            task.cancel()
        self.auto_reruns.clear()
        await self.socket.close()
        self.reader.cancel()
        for connection in self.http:
            await connection.close()

    async def rerun(
        self, extra: list[WidgetState] = (), fragment_id: str = "", auto: bool = False, first: bool = False
    ) -> None:
        """Send a rerun_script: the page's widget values plus `extra` (a trigger value, or a widget's new value,
        which is kept), for the fragment `fragment_id` ('' for a full run)."""
        message = BackMsg()
        rerun = message.rerun_script
        if first:
            rerun.page_name = self.page
        else:
            rerun.query_string = self.query_string
            rerun.page_script_hash = self.page_script_hash
        for state in extra:
            if state.WhichOneof("value") not in ("trigger_value", "json_trigger_value", "string_trigger_value"):
                self.values[state.id] = state
        triggers = {state.id: state for state in extra}
        rerun.widget_states.widgets.extend(
            [triggers.pop(i, s) for i, s in self.values.items()] + list(triggers.values())
        )
        rerun.fragment_id = fragment_id
        rerun.is_auto_rerun = auto
        rerun.cached_message_hashes.extend(self.cache)
        for name, value in (CONTEXT | {"url": f"{self.base_url}/{self.page}"}).items():
            setattr(rerun.context_info, name, value)
        self.running = True
        self.sent.append(message)
        await self.socket.send(message.SerializeToString())

    async def wait_for(self, predicate, timeout: float):
        """Wait until predicate() is truthy (checked after every ForwardMsg); returns its value."""

        def ready():
            if self.reader.done():  # the connection closed or a message could not be read: no use waiting
                raise ConnectionError(f"the session's websocket reader ended: {self.reader.exception()!r}")
            return predicate()

        async with self.changed:
            return await asyncio.wait_for(self.changed.wait_for(ready), timeout)

    async def wait_idle(self, timeout: float) -> None:
        """Wait for the script run in progress (and any the server chained to it) to finish."""
        count = self.finished_runs
        await self.wait_for(lambda: self.finished_runs > count and not self.running, timeout)

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                message = ForwardMsg()
                message.ParseFromString(raw)
                self._handle(message)
                async with self.changed:
                    self.changed.notify_all()
        finally:  # wake the waiters, who then see the reader has ended
            asyncio.get_running_loop().call_soon(asyncio.ensure_future, self._notify())

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache[message.ref_hash]
            cached[1] = self.run_count
            referenced = ForwardMsg()
            referenced.CopyFrom(cached[0])
            referenced.metadata.CopyFrom(message.metadata)
            message, kind = referenced, referenced.WhichOneof("type")
        elif message.metadata.cacheable and message.hash:
            entry = self.cache.setdefault(message.hash, [message, self.run_count, message.delta.fragment_id])
            entry[1] = self.run_count
        if kind == "new_session":
            self.run_id = message.metadata.run.script_run_id
            self.fragment_ids = list(message.metadata.run.fragment_ids)
            self.page_script_hash = self.page_script_hash or message.new_session.page_script_hash
            self.max_cached_age = message.new_session.config.max_cached_message_age or DEFAULT_MAX_CACHED_AGE
            self.running = True
            if not self.fragment_ids:  # a full run: the frontend drops every auto-rerun timer
                for fragment in list(self.auto_reruns):
                    self._stop_auto_rerun(fragment)
        elif kind == "navigation":  # the page the run shows (new_session names app.py, the navigation's script)
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "delta":
            self.tree.apply(message, self.run_id)
            if message.delta.WhichOneof("type") == "new_element":
                state = widget_state(message.delta.new_element)
                kind = message.delta.new_element.WhichOneof("type")
                server_set = getattr(getattr(message.delta.new_element, kind), "set_value", False)
                if state is not None and state.id and (state.id not in self.values or server_set):
                    self.values[state.id] = state
        elif kind == "auto_rerun":
            self._start_auto_rerun(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment in message.stop_auto_rerun.fragment_ids:
                self._stop_auto_rerun(fragment)
        elif kind == "script_finished":
            self._finish(message)

    def _finish(self, message: ForwardMsg) -> None:
        if message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.tree.finish(self.run_id, self.fragment_ids)
            widget_ids = {getattr(getattr(e, e.WhichOneof("type")), "id", "") for _, e, _ in self.tree.elements()}
            self.values = {i: s for i, s in self.values.items() if i in widget_ids}
            self.running = False
            self._age_cache()
        self.finished_runs += 1

    def _age_cache(self) -> None:
        """After a run: drop cached messages unused for more than max_cached_age runs (for a fragment run, only
        among that fragment's messages), as the frontend's ForwardMsgCache does."""
        self.run_count += 1
        for key, (_, used, fragment) in list(self.cache.items()):
            if self.fragment_ids and fragment not in self.fragment_ids:
                continue
            if self.run_count - used > self.max_cached_age:
                del self.cache[key]

    def _start_auto_rerun(self, fragment_id: str, interval: float) -> None:
        if fragment_id in self.auto_reruns and self.auto_reruns[fragment_id][0] == interval:
            return
        self._stop_auto_rerun(fragment_id)

        async def tick() -> None:
            for _ in itertools.count():
                await asyncio.sleep(interval)
                await self.rerun(fragment_id=fragment_id, auto=True)

        self.auto_reruns[fragment_id] = (interval, asyncio.create_task(tick()))

    def _stop_auto_rerun(self, fragment_id: str) -> None:
        entry = self.auto_reruns.pop(fragment_id, None)
        if entry is not None:
            entry[1].cancel()

    async def fetch_media(self, urls: list[str]) -> float:
        """GET the server's URLs at once, one per connection as a browser does (a data: URL holds its image, as in the
        browser); the monotonic time the last arrived."""
        urls = [url for url in urls if not url.startswith("data:")]
        replies = await asyncio.gather(*(self.http[k % len(self.http)].get(url) for k, url in enumerate(urls)))
        for url, (status, _) in zip(urls, replies, strict=True):
            if status != 200:
                raise RuntimeError(f"{url}: HTTP {status}")
        return time.monotonic()
