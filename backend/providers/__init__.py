"""Providers: the managed llama-server and remote OpenAI-compatible servers, with failover.

The public way to get an answer from whichever provider a conversation (or a local API request)
names is ``ProviderRouter.stream`` (``ProviderService.router``): it yields ``Answering`` and
``ChatDelta`` items and carries the answer on to the next provider of the primary's failover list
when the one answering cannot.

Modules:

- ``_store``: ``ProviderStore``, the remote providers and failover rules in ``providers.json``,
  API keys in the secret store (``SecretBox``), never in the file.
- ``_address``: the "local network only" check (loopback, private, link-local).
- ``_remote``: ``RemoteProvider``, one remote's model list and streamed answers, errors named.
- ``_local``: ``ManagedServer``, the local llama-server as a provider.
- ``_health``: ``HealthBook``, each provider's last check and its backoff.
- ``_ask``: the ``ask`` policy's ``Question`` and ``Ask``, and the error when no one can be asked.
- ``_router``: ``ProviderRouter``: routes, failover triggers, prefill continuation, fall-backs.
- ``_service``: ``ProviderService``, the commands, the background checks and the page's events.
"""

from ._address import ensure_local_network
from ._ask import Ask, Question
from ._health import FIRST_RETRY_S, MAX_RETRY_S, OK_INTERVAL_S, HealthBook
from ._local import LOCAL_NAME, ManagedServer
from ._remote import RemoteProvider, api_root
from ._router import Answering, LocalStream, ProviderRouter, Route, RouteItem
from ._service import ProviderService
from ._store import ProviderStore, SecretBox, StoredProvider

__all__ = [
    "Answering",
    "Ask",
    "FIRST_RETRY_S",
    "HealthBook",
    "LOCAL_NAME",
    "LocalStream",
    "MAX_RETRY_S",
    "ManagedServer",
    "OK_INTERVAL_S",
    "ProviderRouter",
    "ProviderService",
    "ProviderStore",
    "Question",
    "RemoteProvider",
    "Route",
    "RouteItem",
    "SecretBox",
    "StoredProvider",
    "api_root",
    "ensure_local_network",
]
