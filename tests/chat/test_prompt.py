"""Prompt building without a server: system prompt, branch, continuation, sampling, dropping."""

from __future__ import annotations

from backend.chat import ConversationRecord, MessageRecord
from backend.chat._prompt import build_prompt, drop_oldest_turn, sampling_params
from backend.config import GenerationSettings
from backend.contract import MessageRole


def _conversation(system_prompt: str | None = None) -> ConversationRecord:
    return ConversationRecord("c", "t", "now", "now", system_prompt=system_prompt)


def _branch(*texts: str) -> list[MessageRecord]:
    roles: tuple[MessageRole, MessageRole] = ("user", "assistant")
    return [
        MessageRecord(f"m{i}", "c", f"m{i - 1}" if i else None, roles[i % 2], text, "now")
        for i, text in enumerate(texts)
    ]


def test_the_prompt_is_the_branch_before_the_answer_after_the_system_prompt() -> None:
    defaults = GenerationSettings(system_prompt="Global.")
    branch = _branch("q1", "a1", "q2", "")
    assert build_prompt(_conversation(), branch, defaults) == [
        {"role": "system", "content": "Global."},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
    ]
    own = build_prompt(_conversation("Own."), branch, defaults)
    assert own[0] == {"role": "system", "content": "Own."}
    assert build_prompt(_conversation(""), branch, defaults)[0]["role"] == "user"


def test_a_continued_answer_is_sent_as_the_prefill_and_empty_messages_are_left_out() -> None:
    branch = _branch("q1", "", "q2", "half an")
    prompt = build_prompt(_conversation(""), branch, GenerationSettings(), continuing=True)
    assert prompt == [
        {"role": "user", "content": "q1"},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "half an"},
    ]


def test_sampling_values_come_from_the_conversation_then_the_settings() -> None:
    defaults = GenerationSettings(temperature=0.5, top_k=20)
    params = sampling_params({"temperature": 0.1, "seed": None, "bogus": 3}, defaults)
    assert params == {"temperature": 0.1, "top_k": 20}


def test_dropping_the_oldest_turn_keeps_the_system_prompt() -> None:
    prompt = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
    ]
    assert drop_oldest_turn(prompt) == [prompt[0], prompt[3]]
    assert drop_oldest_turn([prompt[0], prompt[3]]) is None
