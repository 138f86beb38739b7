"""Provider commands: the local server and remote providers, their health, failover rules, and
which provider answers a conversation."""

from __future__ import annotations

from ...contract import (
    AddProviderParams,
    Conversation,
    EmptyParams,
    ProviderInfo,
    ProviderRef,
    Providers,
    SetConversationProviderParams,
    SetFailoverParams,
    UpdateProviderParams,
)
from ._base import HandlerBase

__all__ = ["ProviderCommands"]


class ProviderCommands(HandlerBase):
    """Providers (Settings → Providers), failover (Settings → Failover), the selector's groups."""

    async def list_providers(self, params: EmptyParams) -> Providers:
        """Every provider (local first) with health and models, failover rules and fall-backs."""
        return self._services.providers.providers()

    async def add_provider(self, params: AddProviderParams) -> ProviderInfo:
        """Add a remote OpenAI-compatible provider; its key goes to the keyring or 0600 file."""
        return await self._services.providers.add(params.provider, params.api_key)

    async def update_provider(self, params: UpdateProviderParams) -> ProviderInfo:
        """Replace a provider's set-up (api_key null keeps the stored key, "" removes it)."""
        return await self._services.providers.update(
            params.provider_id, params.provider, params.api_key
        )

    async def remove_provider(self, params: ProviderRef) -> Providers:
        """Forget a provider, its key, and the failover steps that name it."""
        return await self._services.providers.remove(params.provider_id)

    async def check_provider(self, params: ProviderRef) -> ProviderInfo:
        """Check a provider's model list now (bounded by its timeout)."""
        return await self._services.providers.check(params.provider_id)

    async def set_failover(self, params: SetFailoverParams) -> Providers:
        """Replace a primary's failover list and policy (off, ask, automatic)."""
        return self._services.providers.set_failover(params.rule)

    async def set_conversation_provider(
        self, params: SetConversationProviderParams
    ) -> Conversation:
        """Which provider and model answer this conversation from now on."""
        self._services.providers.router.primary(params.provider_id, params.model)
        return await self._services.chat.conversations.set_provider(
            params.conversation_id, params.provider_id, params.model
        )
