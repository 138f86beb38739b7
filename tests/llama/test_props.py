"""Reading llama-server's sampling defaults out of a ``/props`` answer."""

from __future__ import annotations

from typing import Any

import pytest

from backend.contract import ServerDefaults
from backend.llama import parse_server_defaults


def _props(params: Any) -> dict[str, Any]:
    return {"default_generation_settings": {"params": params, "n_ctx": 4096}}


def test_float32_values_are_rounded_and_the_random_seed_is_minus_one() -> None:
    params = {"temperature": 0.800000011920929, "top_k": 40, "n_predict": 128, "seed": 4294967295}
    assert parse_server_defaults(_props(params)) == ServerDefaults(
        temperature=0.8, top_k=40, max_tokens=128, seed=-1
    )


def test_a_fixed_seed_is_kept() -> None:
    assert parse_server_defaults(_props({"seed": 42})).seed == 42


@pytest.mark.parametrize(
    "props",
    [None, [], {}, {"default_generation_settings": None}, _props(None), _props([1, 2])],
)
def test_an_answer_without_params_gives_no_defaults(props: Any) -> None:
    assert parse_server_defaults(props) == ServerDefaults()


def test_values_of_the_wrong_type_are_left_out() -> None:
    params = {"temperature": "hot", "top_k": True, "top_p": None, "min_p": 0.1}
    assert parse_server_defaults(_props(params)) == ServerDefaults(min_p=0.1)


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        ({"supports_tools": True}, True),
        ({"supports_tools": False}, False),
        ({"supports_tools": "yes"}, None),
        (None, None),
    ],
)
def test_whether_the_template_takes_tools_is_read_from_its_caps(
    caps: Any, expected: bool | None
) -> None:
    props = {**_props({"top_k": 40}), "chat_template_caps": caps}
    assert parse_server_defaults(props) == ServerDefaults(top_k=40, supports_tools=expected)
    assert parse_server_defaults({"chat_template_caps": caps}).supports_tools is expected


@pytest.mark.parametrize(
    ("modalities", "expected"),
    [
        ({"vision": True, "audio": False}, True),
        ({"vision": False, "video": False, "audio": False}, False),  # the pinned server, no mmproj
        ({"vision": 1}, None),
        ("vision", None),
        (None, None),
    ],
)
def test_whether_the_model_sees_is_read_from_its_modalities(
    modalities: Any, expected: bool | None
) -> None:
    props = {**_props({"top_k": 40}), "modalities": modalities}
    assert parse_server_defaults(props) == ServerDefaults(top_k=40, vision=expected)
    assert parse_server_defaults({"modalities": modalities}).vision is expected
