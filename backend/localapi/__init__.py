"""LlamaDesk as a server for other apps: an OpenAI-compatible API on 127.0.0.1.

Editors and scripts that speak OpenAI's API (its official clients, Continue, aider, curl) use
the model LlamaDesk runs through ``/v1/chat/completions`` (streamed or whole) and
``/v1/models``, with a key of its own, so llama-server's port and per-launch key stay private.

- ``_wire``: the request as OpenAI's clients send it, validated strictly (pydantic).
- ``_answers``: the completion, its chunks and the model list, in OpenAI's shape.
- ``_errors``: errors in OpenAI's shape (401, 404 ``model_not_found``, 400 naming the field).
- ``_route``: ``ChatRoute``, where requests go, and ``ProviderRoute``: every enabled provider's
  models through ``ProviderRouter``, failover included.
- ``_app``: the Starlette app: Host and key checks, the endpoints, SSE.
- ``_listen``: binding the port (a taken port named) and serving with uvicorn, stopped gracefully.
- ``_service``: ``LocalApi``: its key, its state, started and stopped as the settings change.
"""

from ._route import ApiModel, ChatRoute, ProviderRoute
from ._service import KEY_NAME, LocalApi

__all__ = ["ApiModel", "ChatRoute", "KEY_NAME", "LocalApi", "ProviderRoute"]
