"""The local API through the official ``openai`` client, answered by the real SmolLM2."""

from __future__ import annotations

from typing import Any, cast

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.app.conftest import LocalApiApp

pytestmark = pytest.mark.real_server

_QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the capital of France?"}
]


def test_models_lists_the_selected_model(local_api: LocalApiApp) -> None:
    client = local_api.client()
    models = client.models.list().data
    assert [m.id for m in models] == [local_api.model()]
    assert models[0].object == "model"
    assert models[0].owned_by == "llamadesk"
    assert client.models.retrieve(local_api.model()).id == local_api.model()
    assert local_api.model().startswith("SmolLM2")


def test_a_whole_answer_has_the_fields_clients_read(local_api: LocalApiApp) -> None:
    client = local_api.client()
    answer = client.chat.completions.create(
        model=local_api.model(), messages=_QUESTION, max_tokens=8, temperature=0
    )
    assert answer.id.startswith("chatcmpl-")
    assert answer.object == "chat.completion"
    assert answer.model == local_api.model()
    assert answer.created > 0
    (choice,) = answer.choices
    assert choice.message.role == "assistant"
    assert choice.message.content
    assert choice.finish_reason == "length"  # 8 tokens are not enough to finish
    assert answer.usage is not None
    assert answer.usage.completion_tokens == 8
    assert answer.usage.prompt_tokens > 5
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + 8


def test_a_streamed_answer_is_the_same_answer_in_chunks(local_api: LocalApiApp) -> None:
    client = local_api.client()
    whole = client.chat.completions.create(
        model=local_api.model(), messages=_QUESTION, max_tokens=8, temperature=0
    )
    chunks = list(
        client.chat.completions.create(
            model=local_api.model(),
            messages=_QUESTION,
            max_tokens=8,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert len({c.id for c in chunks}) == 1
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert all(c.model == local_api.model() for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "length"
    assert finishes[:-1] == [None] * (len(finishes) - 1)
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 8
    assert all(c.usage is None for c in chunks[:-1])


def test_a_stream_without_usage_asked_has_no_usage_chunk(local_api: LocalApiApp) -> None:
    client = local_api.client()
    chunks = list(
        client.chat.completions.create(
            model=local_api.model(), messages=_QUESTION, max_tokens=4, stream=True
        )
    )
    assert all(c.choices for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "length"


def test_a_wrong_key_or_none_is_401_in_openais_shape(local_api: LocalApiApp) -> None:
    with pytest.raises(openai.AuthenticationError) as wrong:
        local_api.client(key="ldk-not-the-key").models.list()
    assert wrong.value.status_code == 401
    assert wrong.value.code == "invalid_api_key"
    assert "Incorrect API key" in wrong.value.message
    assert "ldk-not-the-key" not in wrong.value.message
    with pytest.raises(openai.AuthenticationError):
        local_api.client(key="ldk-not-the-key").chat.completions.create(
            model=local_api.model(), messages=_QUESTION
        )
    bare = httpx.post(f"http://127.0.0.1:{local_api.port}/v1/chat/completions", json={})
    assert bare.status_code == 401
    assert bare.json()["error"]["type"] == "invalid_request_error"
    assert "didn't provide an API key" in bare.json()["error"]["message"]


def test_a_model_that_does_not_exist_is_404_model_not_found(local_api: LocalApiApp) -> None:
    client = local_api.client()
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=_QUESTION)
    assert missing.value.status_code == 404
    assert missing.value.code == "model_not_found"
    assert local_api.model() in missing.value.message, "it names the model that exists"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=_QUESTION, stream=True)
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_bad_requests_are_400_naming_the_field(local_api: LocalApiApp) -> None:
    client = local_api.client()
    with pytest.raises(openai.BadRequestError) as unknown:
        client.chat.completions.create(
            model=local_api.model(), messages=_QUESTION, extra_body={"frobnicate": 1}
        )
    assert unknown.value.message.endswith("Unrecognized request argument supplied: frobnicate")
    with pytest.raises(openai.BadRequestError) as typed:
        client.chat.completions.create(
            model=local_api.model(), messages=_QUESTION, extra_body={"temperature": "0.5"}
        )
    assert typed.value.param == "temperature"
    with pytest.raises(openai.BadRequestError) as empty:
        client.chat.completions.create(model=local_api.model(), messages=[])
    assert empty.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as role:
        client.chat.completions.create(
            model=local_api.model(),
            messages=cast("Any", [{"role": "tool", "content": "x"}]),
        )
    assert "tool_call_id" in role.value.message
    raw = httpx.post(
        f"http://127.0.0.1:{local_api.port}/v1/chat/completions",
        content=b'{"model": "x", "messages": [], "temperature": NaN}',
        headers={"Authorization": f"Bearer {local_api.status()['api_key']}"},
    )
    assert raw.status_code == 400
    assert raw.json()["error"]["code"] == "invalid_json"


def test_a_foreign_host_and_unknown_paths_are_refused(local_api: LocalApiApp) -> None:
    key = local_api.status()["api_key"]
    base = f"http://127.0.0.1:{local_api.port}"
    auth = {"Authorization": f"Bearer {key}"}
    rebound = httpx.get(f"{base}/v1/models", headers={**auth, "Host": "evil.example"})
    assert rebound.status_code == 403
    assert rebound.json()["error"]["message"].startswith("This API answers only")
    unknown = httpx.get(f"{base}/v1/embeddings", headers=auth)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "Invalid URL (GET /v1/embeddings)."
    wrong_method = httpx.get(f"{base}/v1/chat/completions", headers=auth)
    assert wrong_method.status_code == 405
    assert "access-control-allow-origin" not in wrong_method.headers
