"""An answer while it is on its way: how far the prompt has been read, and where to re-attach.

llama-server reads the whole prompt before the first token; on a CPU a long conversation takes
seconds to minutes. Asked with ``return_progress``, it reports each batch it read, and the page
shows a progress bar (``StreamProgressEvent``). A page that opens a conversation while its answer
streams (a reload, a second browser tab) gets the text so far in ``Conversation.messages`` and
the stream in ``Conversation.stream``; each ``stream_chunk`` says at which offset of the
message's text it starts, so the page appends only what it does not have yet.
"""

from __future__ import annotations

from pydantic import Field

from ._base import Wire
from ._providers import FailoverQuestion

__all__ = ["LiveStream", "PromptProgress"]


class PromptProgress(Wire):
    """llama-server's ``prompt_progress``: how much of the prompt has been read.

    ``total`` and ``processed`` count the tokens taken from the slot's cache too, so the tokens
    to read are ``total - cache`` and those read so far ``processed - cache``."""

    total: int = Field(ge=0, description="Tokens in the whole prompt.")
    cache: int = Field(ge=0, description="Tokens of the prompt found in the slot's cache.")
    processed: int = Field(ge=0, description="Tokens of the prompt ready (cache included).")
    time_ms: float = Field(ge=0, description="Milliseconds spent reading so far.")


class LiveStream(Wire):
    """The answer streaming in a conversation now, for a page that opens it mid-answer."""

    stream_id: str
    message_id: str = Field(description="The message the stream writes to now.")
    progress: PromptProgress | None = Field(
        None, description="The last prompt progress, while the prompt is being read."
    )
    question: FailoverQuestion | None = Field(
        None, description="The failover question the answer is paused on (an ask rule)."
    )
