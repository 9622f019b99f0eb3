"""The map's trigger carries its latest numbered events (assets/map/map.js, send): Streamlit keeps only the newest of
trigger values that reach the server together, so the server takes every event it has not handled from each value
(ui.map_component.new_events), once."""

from __future__ import annotations

import pytest

from ui import map_component


@pytest.fixture
def session(monkeypatch):
    state: dict = {}
    monkeypatch.setattr(map_component.st, "session_state", state)
    return state


def clicks(*numbers: int) -> list[dict]:
    return [{"kind": "point", "index": n, "add": True, "seq": n} for n in numbers]


def test_a_trigger_that_arrives_alone_after_a_lost_one_brings_both_events_in_order(session):
    value = {"from": "map-a", "events": clicks(2, 1)}  # the value of trigger 1 never reached the server
    assert [e["seq"] for e in map_component.new_events("m", value)] == [1, 2]
    assert map_component.new_events("m", value) == []  # the callback runs again for the same value: nothing new
    later = {"from": "map-a", "events": clicks(1, 2, 3)}
    assert [e["seq"] for e in map_component.new_events("m", later)] == [3]


def test_a_new_map_instance_numbers_from_one_again_and_maps_are_counted_apart(session):
    assert len(map_component.new_events("m", {"from": "map-a", "events": clicks(1, 2, 3)})) == 3
    assert [e["seq"] for e in map_component.new_events("m", {"from": "map-b", "events": clicks(1)})] == [1]
    assert [e["seq"] for e in map_component.new_events("other", {"from": "map-a", "events": clicks(1)})] == [1]


def test_a_single_event_and_an_unnumbered_one_are_taken_as_they_come(session):
    single = {"kind": "point", "index": 4, "seq": 1, "from": "map-a"}
    assert map_component.new_events("m", single) == [single]
    assert map_component.new_events("m", single) == []
    unnumbered = {"kind": "space", "x": 0.5, "y": 0.5}
    assert map_component.new_events("m", unnumbered) == [unnumbered]
    assert map_component.new_events("m", unnumbered) == [unnumbered]  # no number: no way to tell it was handled
    assert map_component.new_events("m", None) == []
