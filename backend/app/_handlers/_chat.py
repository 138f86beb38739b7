"""Chat and conversation commands: answers, and the conversation list."""

from __future__ import annotations

from ...contract import (
    AnswerFailoverParams,
    AnswerToolCallParams,
    ContextUsage,
    ContextUsageParams,
    Conversation,
    ConversationRef,
    ConversationSummary,
    CreateConversationParams,
    Deleted,
    DraftRead,
    EditMessageParams,
    ExportParams,
    ExportResult,
    FailoverAnswer,
    ImportParams,
    ImportResult,
    ListConversationsParams,
    Message,
    MessageRef,
    PinConversationParams,
    ReadAheadDraftParams,
    RegenerateFromTokenParams,
    RenameConversationParams,
    SearchHit,
    SearchParams,
    SendMessageParams,
    Stopped,
    StreamStarted,
    ThinkingEnded,
    ToolCallInfo,
    UpdateConversationSettingsParams,
)
from ._base import HandlerBase

__all__ = ["ChatCommands", "ConversationCommands"]


class ChatCommands(HandlerBase):
    """Sending, stopping, regenerating, continuing and editing answers."""

    async def send_chat_message(self, params: SendMessageParams) -> Message:
        """Answer a message and return the finished assistant message."""
        return await self._services.chat.handle_user_message(
            params.conversation_id, params.content, params.attachments
        )

    async def send_chat_message_stream(self, params: SendMessageParams) -> StreamStarted:
        """Start answering; text follows as stream events."""
        return await self._services.chat.handle_user_message_stream(
            params.conversation_id, params.content, params.attachments
        )

    async def stop_generation(self, params: ConversationRef) -> Stopped:
        """Stop the conversation's running answer, keeping its text."""
        return Stopped(stopped=await self._services.chat.stop(params.conversation_id))

    async def regenerate_message(self, params: MessageRef) -> StreamStarted:
        """A new answer beside an existing one."""
        return await self._services.chat.regenerate(params.message_id)

    async def regenerate_from_token(self, params: RegenerateFromTokenParams) -> StreamStarted:
        """A new answer beside this one: its text up to a token, the chosen token, then more."""
        return await self._services.chat.regenerate_from_token(
            params.message_id, params.index, params.token
        )

    async def stop_thinking(self, params: ConversationRef) -> ThinkingEnded:
        """End the running answer's thinking now; it goes on with its answer."""
        return ThinkingEnded(ended=await self._services.chat.thinking.stop(params.conversation_id))

    async def continue_message(self, params: MessageRef) -> StreamStarted:
        """Continue a cut answer."""
        return await self._services.chat.continue_(params.message_id)

    async def edit_message(self, params: EditMessageParams) -> StreamStarted:
        """A new version of a user message, answered."""
        return await self._services.chat.edit(params.message_id, params.content, params.attachments)

    async def get_context_usage(self, params: ContextUsageParams) -> ContextUsage:
        """The tokens the next prompt would take with the draft, of one slot's context."""
        return await self._services.chat.context.usage(params.conversation_id, params.draft)

    async def read_ahead_draft(self, params: ReadAheadDraftParams) -> DraftRead:
        """Read the message being typed into the conversation's slot before it is sent (its
        text before the last word; only while nothing streams), so the send reads less."""
        return DraftRead(
            tokens=await self._services.chat.drafts.offer(params.conversation_id, params.text)
        )

    async def answer_tool_call(self, params: AnswerToolCallParams) -> ToolCallInfo:
        """Run or deny a tool call that waits for approval; the call in its new state."""
        return await self._services.chat.answer_tool_call(
            params.message_id, params.call_id, params.decision, params.reason
        )

    async def answer_failover(self, params: AnswerFailoverParams) -> FailoverAnswer:
        """Continue a paused answer with another provider, wait for the local one, or cancel."""
        return self._services.chat.failover.answer(params.question_id, params.choice)

    async def select_branch(self, params: MessageRef) -> Conversation:
        """Show the branch through this message."""
        return await self._services.chat.conversations.select_branch(params.message_id)

    async def delete_message(self, params: MessageRef) -> Conversation:
        """Delete a message and everything after it on its branch."""
        return await self._services.chat.conversations.delete_message(params.message_id)


class ConversationCommands(HandlerBase):
    """The conversation list: create, rename, pin, search, delete, export, import."""

    async def list_conversations(
        self, params: ListConversationsParams
    ) -> list[ConversationSummary]:
        """Conversations, pinned first, then newest first: all, or a page of them."""
        return await self._services.chat.conversations.list_conversations(
            params.offset, params.limit
        )

    async def get_conversation(self, params: ConversationRef) -> Conversation:
        """One conversation with its active branch (it is opened: its saved KV cache, if any,
        is restored into a slot in the background, so its next answer starts at once)."""
        conversation = await self._services.chat.conversations.get_conversation(
            params.conversation_id
        )
        self._services.chat.prepare_soon(params.conversation_id)
        return conversation

    async def create_conversation(self, params: CreateConversationParams) -> Conversation:
        """A new, empty conversation."""
        return await self._services.chat.conversations.create_conversation(params.title)

    async def rename_conversation(self, params: RenameConversationParams) -> ConversationSummary:
        """Give a conversation a title."""
        return await self._services.chat.conversations.rename(params.conversation_id, params.title)

    async def delete_conversation(self, params: ConversationRef) -> Deleted:
        """Delete a conversation and its messages."""
        return Deleted(
            deleted=await self._services.chat.conversations.delete_conversation(
                params.conversation_id
            )
        )

    async def update_conversation_settings(
        self, params: UpdateConversationSettingsParams
    ) -> Conversation:
        """Set a conversation's system prompt, sampling values and answer options."""
        return await self._services.chat.conversations.update_settings(
            params.conversation_id, params.system_prompt, params.params, params.options
        )

    async def clear_conversation(self, params: ConversationRef) -> Conversation:
        """Remove every message of a conversation."""
        return await self._services.chat.conversations.clear_conversation(params.conversation_id)

    async def pin_conversation(self, params: PinConversationParams) -> ConversationSummary:
        """Pin or unpin a conversation."""
        return await self._services.chat.conversations.pin(params.conversation_id, params.pinned)

    async def search_conversations(self, params: SearchParams) -> list[SearchHit]:
        """Full-text search over titles and messages."""
        return await self._services.chat.conversations.search(params.query, params.limit)

    async def export_conversations(self, params: ExportParams) -> ExportResult:
        """Export conversations as JSON or Markdown."""
        return await self._services.chat.conversations.export(
            params.conversation_ids, params.format
        )

    async def import_conversations(self, params: ImportParams) -> ImportResult:
        """Import a JSON export; never overwrites."""
        return await self._services.chat.conversations.import_(params.data)
