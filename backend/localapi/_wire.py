"""OpenAI's chat completion request, as the local API accepts it: strict, unknown fields refused.

Like OpenAI, an argument the API does not know is a 400 (``extra="forbid"``) rather than
silently dropped, and every value must arrive with its JSON type (strict mode: ``"0.5"`` is no
temperature). Bounds are OpenAI's where it has them (penalties -2..2, ``n`` 1 only because
llama-server makes one choice), the app's own for llama.cpp's extra samplers (``top_k``,
``min_p``, ``repeat_penalty``), which llama.cpp-aware clients send.

What goes on to llama-server is :meth:`ChatCompletionRequest.upstream_messages` and
:meth:`ChatCompletionRequest.upstream_params`: the messages as sent (``developer`` becomes
``system``, which every chat template knows) and the sampling values that were given.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ChatCompletionRequest", "ChatMessageIn"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class _TextPart(_Strict):
    type: Literal["text"]
    text: str


class _ImageUrl(_Strict):
    url: str = Field(min_length=1)
    detail: Literal["auto", "low", "high"] | None = None


class _ImagePart(_Strict):
    type: Literal["image_url"]
    image_url: _ImageUrl


_ContentPart = Annotated[_TextPart | _ImagePart, Field(discriminator="type")]


class _FunctionCall(_Strict):
    name: str = Field(min_length=1, max_length=256)
    arguments: str


class _ToolCallIn(_Strict):
    id: str = Field(min_length=1, max_length=256)
    type: Literal["function"] = "function"
    function: _FunctionCall


class ChatMessageIn(_Strict):
    """One message of the conversation the client sends."""

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[_ContentPart] | None = None
    name: str | None = Field(None, max_length=256)
    tool_calls: list[_ToolCallIn] | None = None
    tool_call_id: str | None = Field(None, max_length=256)

    @model_validator(mode="after")
    def _fits_its_role(self) -> ChatMessageIn:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id")
        if self.role != "assistant" and self.content is None:
            raise ValueError(f"a {self.role} message needs content")
        if self.role == "assistant" and self.content is None and not self.tool_calls:
            raise ValueError("an assistant message needs content or tool_calls")
        return self

    def upstream(self) -> dict[str, Any]:
        """The message for llama-server (``developer`` as ``system``)."""
        body = self.model_dump(exclude_none=True)
        if self.role == "developer":
            body["role"] = "system"
        return body


class _Function(_Strict):
    name: str = Field(min_length=1, max_length=256)
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class _Tool(_Strict):
    type: Literal["function"]
    function: _Function


class _NamedFunction(_Strict):
    name: str = Field(min_length=1, max_length=256)


class _NamedToolChoice(_Strict):
    type: Literal["function"]
    function: _NamedFunction


class _JsonSchemaFormat(_Strict):
    name: str = Field(min_length=1, max_length=256)
    description: str | None = None
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    strict: bool | None = None


class _ResponseFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: _JsonSchemaFormat | None = None


class _StreamOptions(_Strict):
    include_usage: bool = False


_SAMPLING = (
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repeat_penalty",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "stop",
    "parallel_tool_calls",
)


class ChatCompletionRequest(_Strict):
    """``POST /v1/chat/completions``: the fields OpenAI's clients send, checked strictly."""

    model: str = Field(min_length=1, max_length=256)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=10_000)
    stream: bool = False
    stream_options: _StreamOptions | None = None
    temperature: float | None = Field(None, ge=0, le=5)
    top_p: float | None = Field(None, ge=0, le=1)
    top_k: int | None = Field(None, ge=0, le=1000)
    min_p: float | None = Field(None, ge=0, le=1)
    repeat_penalty: float | None = Field(None, ge=0, le=5)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    max_tokens: int | None = Field(None, ge=1, le=1_000_000)
    max_completion_tokens: int | None = Field(None, ge=1, le=1_000_000)
    seed: int | None = Field(None, ge=-(2**63), le=2**63 - 1)
    stop: str | list[str] | None = None
    n: Literal[1] | None = Field(
        None, description="Only one choice: llama-server generates one answer per request."
    )
    tools: list[_Tool] | None = Field(None, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | _NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: _ResponseFormat | None = None
    user: str | None = Field(None, max_length=256)

    @model_validator(mode="after")
    def _few_stops(self) -> ChatCompletionRequest:
        if isinstance(self.stop, list) and len(self.stop) > 16:
            raise ValueError("stop takes at most 16 sequences")
        return self

    @property
    def include_usage(self) -> bool:
        """Whether a streamed answer ends with a chunk that carries ``usage``."""
        return self.stream_options is not None and self.stream_options.include_usage

    def upstream_messages(self) -> list[dict[str, Any]]:
        """The messages for llama-server."""
        return [message.upstream() for message in self.messages]

    def upstream_params(self) -> dict[str, Any]:
        """The given sampling values, tools and format for llama-server's request body."""
        params = {
            name: getattr(self, name) for name in _SAMPLING if getattr(self, name) is not None
        }
        limit = self.max_completion_tokens or self.max_tokens
        if limit is not None:
            params["max_tokens"] = limit
        if self.tools is not None:
            params["tools"] = [tool.model_dump(exclude_none=True) for tool in self.tools]
        if self.tool_choice is not None:
            choice = self.tool_choice
            params["tool_choice"] = choice if isinstance(choice, str) else choice.model_dump()
        if self.response_format is not None:
            params["response_format"] = self.response_format.model_dump(
                exclude_none=True, by_alias=True
            )
        return params
