"""benchmarks/ws_client.py, the load benchmark's plain-websocket Streamlit client: the parts that need no server
(widget values as the frontend reports them, the element tree, the message cache, auto-reruns, the map's data)."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider

from benchmarks.ws_client import ElementTree, Session, map_points, trigger_state, widget_state
from ui.map_data import b64


def element(kind: str, **fields) -> Element:
    result = Element()
    proto = getattr(result, kind)
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(proto, name).extend(value)
        else:
            setattr(proto, name, value)
    return result


def test_widget_values_are_the_defaults_the_browser_reports():
    assert widget_state(element("checkbox", id="c", default=False)).bool_value is False
    assert widget_state(element("checkbox", id="c", default=False, set_value=True, value=True)).bool_value is True
    assert widget_state(element("selectbox", id="s", options=["Label", "Digit"], default=1)).string_value == "Digit"
    assert widget_state(element("radio", id="r", options=["VAE", "GAN"], default=0)).string_value == "VAE"
    group = element("button_group", id="g", default=[1])
    group.button_group.options.add(content="2D")
    group.button_group.options.add(content="3D")
    assert list(widget_state(group).string_array_value.data) == ["3D"]
    whole = element("number_input", id="n", data_type=NumberInput.INT, default=8)
    assert widget_state(whole).WhichOneof("value") == "int_value" and widget_state(whole).int_value == 8
    assert widget_state(element("number_input", id="f", data_type=NumberInput.FLOAT, default=0.1)).double_value == 0.1
    picks = element("slider", id="b", type=Slider.SELECT_SLIDER, options=["32", "64"], default=[1.0])
    assert list(widget_state(picks).string_array_value.data) == ["64"]
    assert widget_state(element("file_uploader", id="u")).WhichOneof("value") == "file_uploader_state_value"
    assert widget_state(element("number_input", id="n", data_type=NumberInput.INT)) is None  # no value yet
    assert widget_state(element("button", id="b")) is None  # a trigger: sent only when pressed
    assert widget_state(element("markdown", body="text")) is None


def delta(path: tuple[int, ...], item: Element | None = None, block_id: str = "", fragment: str = "") -> ForwardMsg:
    message = ForwardMsg()
    message.metadata.delta_path.extend(path)
    if item is None:
        message.delta.add_block.id = block_id
        message.delta.add_block.allow_empty = True
    else:
        message.delta.new_element.CopyFrom(item)
    message.delta.fragment_id = fragment
    return message


def test_a_finished_run_drops_what_it_did_not_send_again_within_its_fragments():
    tree = ElementTree()
    for message in (
        delta((0, 0), element("markdown", body="title")),
        delta((0, 1), block_id="$$ID-abc-decoded", fragment="panel"),
        delta((0, 1, 0), element("markdown", body="**Image #4**"), fragment="panel"),
        delta((0, 1, 1), element("imgs"), fragment="panel"),
    ):
        tree.apply(message, "run-1")
    tree.finish("run-1", [])
    assert tree.block("decoded") == (0, 1)
    assert [path for path, _, _ in tree.elements((0, 1))] == [(0, 1, 0), (0, 1, 1)]
    tree.apply(delta((0, 1), block_id="$$ID-abc-decoded", fragment="panel"), "run-2")
    tree.apply(delta((0, 1, 0), element("markdown", body="**Image #9**"), fragment="panel"), "run-2")
    tree.finish("run-2", ["panel"])  # a fragment run: the page outside the fragment stays
    assert [e.markdown.body for _, e, _ in tree.elements()] == ["title", "**Image #9**"]
    tree.finish("run-3", [])  # a full run that sent nothing: everything goes
    assert tree.nodes == {}


def test_map_points_read_the_arrays_the_app_sends():
    x, y, ids = np.array([0.5, -1.25], np.float32), np.array([2.0, 3.5], np.float32), np.array([7, 1796])
    data = {"x": b64(x, np.float32), "y": b64(y, np.float32), "ids": b64(ids, np.int32)}
    got = map_points(data)
    np.testing.assert_array_equal(got[0], x)
    np.testing.assert_array_equal(got[1], y)
    np.testing.assert_array_equal(got[2], ids)


def test_a_trigger_value_goes_to_the_components_event_aggregator():
    state = trigger_state(element("bidi_component", id="$$ID-ab12-latent_map"), "event", {"kind": "point", "seq": 2})
    assert state.id == "$$STREAMLIT_INTERNAL_KEY_$$ID-ab12-latent_map__events"
    assert json.loads(state.json_trigger_value) == [{"event": "event", "value": {"kind": "point", "seq": 2}}]


class FakeSocket:
    def __init__(self):
        self.sent: list[BackMsg] = []

    async def send(self, raw: bytes) -> None:
        self.sent.append(BackMsg.FromString(raw))


def new_session(run_id: str, fragments: tuple[str, ...] = ()) -> ForwardMsg:
    message = ForwardMsg()
    message.metadata.run.script_run_id = run_id
    message.metadata.run.fragment_ids.extend(fragments)
    message.new_session.page_script_hash = "page-hash"
    message.new_session.config.max_cached_message_age = 2
    return message


def finished() -> ForwardMsg:
    message = ForwardMsg()
    message.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    return message


def test_cached_messages_are_reported_answered_by_reference_and_aged_out():
    session = Session("http://localhost:1", "map")
    session._handle(new_session("run-1"))
    big = delta((1,), element("markdown", body="a large element"))
    big.hash, big.metadata.cacheable = "h1", True
    session._handle(big)
    session._handle(finished())
    assert list(session.cache) == ["h1"]
    reference = ForwardMsg(ref_hash="h1")
    reference.metadata.delta_path.extend([2])
    session._handle(new_session("run-2"))
    session._handle(reference)  # the server sent a reference: the cached element lands at the reference's path
    session._handle(finished())
    assert [(path, e.markdown.body) for path, e, _ in session.tree.elements()] == [((2,), "a large element")]
    for run in ("run-3", "run-4", "run-5"):
        session._handle(new_session(run))
        session._handle(finished())
    assert session.cache == {}  # unused for more than max_cached_message_age runs


def test_auto_reruns_repeat_a_fragment_run_until_a_full_run_starts():
    async def scenario() -> list[BackMsg]:
        session = Session("http://localhost:1", "model")
        session.socket = FakeSocket()
        session._handle(new_session("run-1"))
        session._handle(delta((0,), element("checkbox", id="$$ID-1-grid", default=True)))
        session._handle(finished())
        tick = ForwardMsg()
        tick.auto_rerun.interval, tick.auto_rerun.fragment_id = 0.02, "progress"
        session._handle(tick)
        session._handle(tick)  # the same interval again (each fragment run sends it): one timer, not two

        async def three_sent():
            while len(session.socket.sent) < 3:
                await asyncio.sleep(0.005)

        await asyncio.wait_for(three_sent(), 10)
        assert list(session.auto_reruns) == ["progress"]
        session._handle(new_session("run-2"))  # a full run: the browser drops its auto-rerun timers
        sent = len(session.socket.sent)
        await asyncio.sleep(0.1)
        assert len(session.socket.sent) == sent
        assert len(session.auto_reruns) == 0
        return session.socket.sent

    sent = asyncio.run(scenario())
    rerun = sent[0].rerun_script
    assert rerun.is_auto_rerun and rerun.fragment_id == "progress" and rerun.page_script_hash == "page-hash"
    assert [(w.id, w.bool_value) for w in rerun.widget_states.widgets] == [("$$ID-1-grid", True)]


def test_a_changed_value_is_kept_and_a_trigger_is_sent_once():
    async def scenario() -> list[BackMsg]:
        session = Session("http://localhost:1", "model")
        session.socket = FakeSocket()
        session._handle(new_session("run-1"))
        session._handle(delta((0,), element("number_input", id="e", data_type=NumberInput.INT, default=5)))
        epochs = session.values["e"]
        epochs.int_value = 1000
        press = type(epochs)(id="start", trigger_value=True)
        await session.rerun([epochs, press])
        await session.rerun()
        return session.socket.sent

    first, second = asyncio.run(scenario())
    assert [(w.id, w.WhichOneof("value")) for w in first.rerun_script.widget_states.widgets] == [
        ("e", "int_value"),
        ("start", "trigger_value"),
    ]
    assert [(w.id, w.int_value) for w in second.rerun_script.widget_states.widgets] == [("e", 1000)]


def test_the_page_hash_comes_from_the_navigation_not_from_a_fragment_runs_new_session():
    session = Session("http://localhost:1", "map")
    session._handle(new_session("run-1"))  # with st.navigation, new_session names the main script
    navigation = ForwardMsg()
    navigation.navigation.page_script_hash = "map-page"
    session._handle(navigation)
    session._handle(finished())
    session._handle(new_session("run-2", ("panel",)))
    assert session.page_script_hash == "map-page"


@pytest.mark.parametrize("first", [True, False])
def test_the_first_run_names_the_page_later_ones_its_script_and_query(first):
    async def scenario() -> BackMsg:
        session = Session("http://localhost:1", "map")
        session.socket = FakeSocket()
        session.query_string, session.page_script_hash = "w=abc", "page-hash"
        await session.rerun(first=first)
        return session.socket.sent[0]

    rerun = asyncio.run(scenario()).rerun_script
    assert rerun.context_info.url == "http://localhost:1/map"
    if first:
        assert (rerun.page_name, rerun.query_string, rerun.page_script_hash) == ("map", "", "")
    else:
        assert (rerun.page_name, rerun.query_string, rerun.page_script_hash) == ("", "w=abc", "page-hash")
