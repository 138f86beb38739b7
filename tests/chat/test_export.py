"""Export to JSON and Markdown, and import back: lossless, validated, all or nothing."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.chat import (
    EXPORT_FORMAT,
    ConversationRecord,
    ConversationStore,
    MessageRecord,
    MessageTree,
    export_json,
    export_markdown,
    import_json,
    parse_export,
)
from backend.chat._bulk import insert_conversation
from backend.config import SAMPLING_KEYS, GenerationSettings, SamplingParams
from backend.contract import MessageRole, Timings
from backend.errors import ImportFormatError
from backend.llama import Usage


def _seed(store: ConversationStore) -> str:
    c = store.create_conversation(
        "Branches", system_prompt="Be brief.", params={"temperature": 0.3}
    )
    q = store.add_message(c.id, None, "user", "Hi ☃")
    a1 = store.add_message(c.id, q.id, "assistant", "first")
    store.update_message(
        a1.id,
        reasoning="hmm",
        timings=Timings(prompt_n=4, cache_n=1),
        usage=Usage(total_tokens=9),
        model="m.gguf",
    )
    a2 = store.add_message(c.id, q.id, "assistant", "second", status="error")
    store.update_message(a2.id, error="server died")
    store.update_conversation(c.id, pinned=True, active_leaf_id=a1.id)
    return c.id


def _conversations(document: str) -> list[dict[str, object]]:
    conversations: list[dict[str, object]] = json.loads(document)["conversations"]
    return conversations


def test_round_trip_is_lossless(store: ConversationStore, tmp_path: Path) -> None:
    cid = _seed(store)
    document = export_json(store, [cid])
    assert json.loads(document)["format"] == EXPORT_FORMAT
    with ConversationStore(tmp_path / "other.db") as other:
        assert import_json(other, document) == [cid]
        assert _conversations(export_json(other, [cid])) == _conversations(document)


def test_import_never_overwrites_and_remaps_ids(store: ConversationStore) -> None:
    cid = _seed(store)
    document = export_json(store, [cid])
    (new_cid,) = import_json(store, json.loads(document))
    assert new_cid != cid
    originals = store.messages(cid)
    copies = store.messages(new_cid)
    assert [m.content for m in copies] == [m.content for m in originals]
    assert not {m.id for m in copies} & {m.id for m in originals}
    by_id = {m.id: m for m in copies}
    assert all(m.parent_id is None or m.parent_id in by_id for m in copies)
    active = store.get_conversation(new_cid).active_leaf_id
    assert active in by_id
    assert by_id[active].content == "first"


def _valid() -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": 1,
        "conversations": [
            {
                "id": "c1",
                "title": "t",
                "created_at": "2026-01-01T00:00:00.000Z",
                "updated_at": "2026-01-01T00:00:00.000Z",
                "messages": [
                    {
                        "id": "m1",
                        "parent_id": None,
                        "role": "user",
                        "content": "q",
                        "created_at": "2026-01-01T00:00:01.000Z",
                    },
                    {
                        "id": "m2",
                        "parent_id": "m1",
                        "role": "assistant",
                        "content": "a",
                        "created_at": "2026-01-01T00:00:01.000Z",
                        "status": "streaming",
                    },
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(format="other"), "not a LlamaDesk export"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["conversations"][0].update(id="bad id!"), "conversations.0.id"),
        (lambda d: d["conversations"][0].update(colour="red"), "colour"),
        (lambda d: d["conversations"][0]["messages"][1].update(role="robot"), "messages.1.role"),
        (lambda d: d["conversations"][0]["messages"][1].update(parent_id="zz"), "parent 'zz'"),
        (lambda d: d["conversations"][0]["messages"].reverse(), "not listed before"),
        (lambda d: d["conversations"][0]["messages"][1].update(id="m1"), "duplicate message id"),
        (
            lambda d: d["conversations"].append(dict(d["conversations"][0], messages=[])),
            "duplicate conversation",
        ),
        (lambda d: d["conversations"][0].update(active_leaf_id="nope"), "active_leaf_id"),
    ],
)
def test_invalid_documents_are_refused_with_the_field(
    store: ConversationStore,
    mutate: Callable[[dict[str, Any]], object],
    expected: str,
) -> None:
    document = _valid()
    mutate(document)
    with pytest.raises(ImportFormatError, match=expected):
        import_json(store, document)
    assert store.list_conversations() == []


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A mutation setting one dotted path of a document (list indexes as numbers)."""

    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value

    return mutate


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


_CONVERSATION = "conversations.0"
_ANSWER = "conversations.0.messages.1"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_set(f"{_CONVERSATION}.params", {"temperature": math.nan}), "not a number JSON"),
        (_set(f"{_CONVERSATION}.params", {"temperature": 1e300}), "params.temperature"),
        (_set(f"{_CONVERSATION}.params", {"top_k": -7}), "params.top_k"),
        (_set(f"{_CONVERSATION}.params", {"max_tokens": 10**12}), "params.max_tokens"),
        (_set(f"{_CONVERSATION}.params", {"max_tokens": 1e12}), "params.max_tokens"),
        (_set(f"{_CONVERSATION}.params", {"top_k": 1.5}), "params.top_k"),
        (_set(f"{_CONVERSATION}.params", {"colour": 1}), "params.colour"),
        (_set(f"{_ANSWER}.timings", {"predicted_per_second": math.inf}), "not a number JSON"),
        (_set(f"{_ANSWER}.timings", {"prompt_n": True}), "timings.prompt_n"),
        (_set(f"{_ANSWER}.created_at", "not a date"), "messages.1.created_at"),
        (_set(f"{_CONVERSATION}.updated_at", "2026-01-01T00:00:00"), "no time zone"),
        (_set(f"{_CONVERSATION}.created_at", "2026-02-30T00:00:00Z"), "created_at"),
        (_set(f"{_CONVERSATION}.pinned", "true"), "pinned"),
        (_set(f"{_CONVERSATION}.pinned", 1), "pinned"),
        (_set(f"{_ANSWER}.usage", {"total_tokens": "9"}), "usage.total_tokens"),
        (_set(f"{_ANSWER}.content", "\ud800"), "lone surrogate"),
        (_set(f"{_ANSWER}.error", _nested(100)), "nested more than"),
    ],
)
def test_values_live_data_cannot_hold_are_refused(
    store: ConversationStore, mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    """The same bounds and types as the settings and the store; NaN never gets in."""
    document = _valid()
    mutate(document)
    with pytest.raises(ImportFormatError, match=expected):
        import_json(store, document)
    assert store.list_conversations() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"temperature": NaN}', "NaN is not a number JSON allows"),
        ('{"temperature": -Infinity}', "-Infinity is not a number JSON allows"),
        ('{"temperature": 1e400}', "too large"),
        ('{"top_k": "\\ud800"}', "lone surrogate"),
    ],
)
def test_a_file_with_what_json_cannot_hold_is_refused(
    store: ConversationStore, text: str, expected: str
) -> None:
    document = json.dumps(_valid()).replace('"title": "t"', f'"title": "t", "params": {text}')
    with pytest.raises(ImportFormatError, match=expected):
        import_json(store, document)
    assert store.list_conversations() == []


def test_a_deeply_nested_file_is_refused_with_a_readable_error(store: ConversationStore) -> None:
    for depth in (100, 1_000, 100_000):
        with pytest.raises(ImportFormatError, match="nested more than 64 levels"):
            import_json(store, "[" * depth + "]" * depth)


def test_times_are_stored_in_the_stores_utc_form(store: ConversationStore) -> None:
    document = _valid()
    _set(f"{_CONVERSATION}.created_at", "2026-01-01T02:00:00+02:00")(document)
    (cid,) = import_json(store, document)
    assert store.get_conversation(cid).created_at == "2026-01-01T00:00:00.000Z"


def test_sampling_values_within_the_settings_bounds_are_kept(store: ConversationStore) -> None:
    document = _valid()
    params = {"temperature": 5, "top_k": 0, "max_tokens": -1, "seed": 2**31 - 1, "top_p": None}
    _set(f"{_CONVERSATION}.params", params)(document)
    (cid,) = import_json(store, document)
    assert store.get_conversation(cid).params == {
        "temperature": 5.0,
        "top_k": 0,
        "max_tokens": -1,
        "seed": 2**31 - 1,
    }


def test_the_import_bounds_are_the_generation_settings_bounds() -> None:
    """One source of truth: the conversation's fields are the settings' fields."""
    generation = GenerationSettings.model_json_schema()["properties"]
    sampling = SamplingParams.model_json_schema()["properties"]
    assert set(sampling) == set(SAMPLING_KEYS)
    assert {key: generation[key] for key in SAMPLING_KEYS} == sampling


def test_not_json_is_refused(store: ConversationStore) -> None:
    with pytest.raises(ImportFormatError, match="not valid JSON"):
        import_json(store, "{oops")


def test_streaming_imports_as_cancelled(store: ConversationStore) -> None:
    (cid,) = import_json(store, _valid())
    assert [m.status for m in store.messages(cid)] == ["complete", "cancelled"]


def test_a_failure_midway_imports_nothing(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _valid()
    second = json.loads(json.dumps(document["conversations"][0]))
    second["id"] = "c2"
    for message in second["messages"]:
        message["id"] += "b"
        message["parent_id"] = message["parent_id"] and message["parent_id"] + "b"
    document["conversations"].append(second)
    calls = []

    def failing(
        target: ConversationStore, record: ConversationRecord, messages: Sequence[MessageRecord]
    ) -> None:
        calls.append(record.id)
        if len(calls) == 2:
            raise ImportFormatError("disk on fire")
        insert_conversation(target, record, messages)

    monkeypatch.setattr(f"{import_json.__module__}.insert_conversation", failing)
    with pytest.raises(ImportFormatError, match="disk on fire"):
        import_json(store, document)
    assert calls == ["c1", "c2"]
    assert store.list_conversations() == []


def test_parse_export_reports_every_bad_field() -> None:
    document = _valid()
    document["conversations"][0]["messages"][0]["role"] = "robot"
    document["conversations"][0]["messages"][1]["role"] = "alien"
    with pytest.raises(ImportFormatError) as caught:
        parse_export(document)
    assert [f.field for f in caught.value.fields] == [
        "conversations.0.messages.0.role",
        "conversations.0.messages.1.role",
    ]


def test_markdown_shows_the_active_branch(store: ConversationStore) -> None:
    cid = _seed(store)
    tree = MessageTree(store.messages(cid))
    markdown = export_markdown(
        store, {cid: tree.branch(store.get_conversation(cid).active_leaf_id)}
    )
    assert markdown.startswith("# Branches")
    assert "## System\n\nBe brief." in markdown
    assert "## User\n\nHi ☃" in markdown
    assert "<details><summary>Reasoning</summary>\n\nhmm" in markdown
    assert "first" in markdown
    assert "second" not in markdown


@st.composite
def _trees(draw: st.DrawFn) -> list[tuple[int | None, MessageRole, str]]:
    """Random message trees: (parent index or None, role, content), parents first."""
    size = draw(st.integers(min_value=0, max_value=12))
    nodes: list[tuple[int | None, MessageRole, str]] = []
    for i in range(size):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        role: MessageRole = draw(st.sampled_from(["user", "assistant", "system"]))
        nodes.append((parent, role, draw(st.text(max_size=40))))
    return nodes


@settings(max_examples=40, deadline=None)
@given(trees=st.lists(_trees(), min_size=1, max_size=3), title=st.text(min_size=1, max_size=30))
def test_any_tree_survives_export_and_import(
    trees: list[list[tuple[int | None, MessageRole, str]]], title: str
) -> None:
    with ConversationStore(":memory:") as source, ConversationStore(":memory:") as target:
        ids = []
        for nodes in trees:
            conversation = source.create_conversation(title)
            made: list[str] = []
            for parent, role, content in nodes:
                parent_id = made[parent] if parent is not None else None
                made.append(source.add_message(conversation.id, parent_id, role, content).id)
            ids.append(conversation.id)
        document = export_json(source, ids)
        assert import_json(target, document) == ids
        assert _conversations(export_json(target, ids)) == _conversations(document)


def test_markdown_names_who_wrote_each_answer(store: ConversationStore) -> None:
    c = store.create_conversation("Two machines")
    q = store.add_message(c.id, None, "user", "Hi")
    a = store.add_message(c.id, q.id, "assistant", "Hello", model="Qwen2.5-7B")
    note = "This computer stopped mid-answer (crashed); Desktop finished it from where it stopped."
    store.update_message(a.id, provider_id="p-1", provider_name="Desktop", failover=note)
    tree = MessageTree(store.messages(c.id))
    markdown = export_markdown(store, {c.id: tree.branch(a.id)})
    assert f"Hello\n\n*Written by Desktop · Qwen2.5-7B*\n\n*{note}*\n" in markdown
    assert "Hi\n\n## Assistant" in markdown  # nothing under the user's message
