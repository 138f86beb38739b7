"""Full-text search over titles and messages, kept in sync by triggers."""

from __future__ import annotations

from backend.chat import ConversationStore


def _seed(store: ConversationStore) -> tuple[str, str]:
    trip = store.create_conversation("Trip to Lyon")
    q = store.add_message(trip.id, None, "user", "Which museums should I visit in Lyon?")
    store.add_message(trip.id, q.id, "assistant", "The Musée des Confluences is worth a visit.")
    cooking = store.create_conversation("Cooking")
    store.add_message(
        cooking.id, None, "user", "A recipe for quenelles, a Lyon speciality, please. " * 3
    )
    return trip.id, cooking.id


def test_titles_and_messages_are_found_with_snippets(store: ConversationStore) -> None:
    trip, cooking = _seed(store)
    hits = store.search("lyon")
    assert hits[0].message_id is None  # a title hit ranks first
    assert hits[0].conversation_id == trip
    assert {h.conversation_id for h in hits} == {trip, cooking}
    assert all("**" in h.snippet for h in hits)
    assert [h.rank for h in hits] == sorted((h.rank for h in hits), reverse=True)


def test_every_word_must_match_and_the_last_is_a_prefix(store: ConversationStore) -> None:
    trip, _ = _seed(store)
    assert [h.conversation_id for h in store.search("museums lyo")] == [trip]
    assert store.search("museums quenelles") == []


def test_diacritics_and_punctuation_are_harmless(store: ConversationStore) -> None:
    _seed(store)
    assert store.search("musee")[0].snippet.startswith("The **Musée**")
    assert store.search('"); DROP TABLE messages; --') == []
    assert store.search("!!!") == []
    assert store.search("AND OR NOT*") == []


def test_edits_renames_and_deletes_are_reflected(store: ConversationStore) -> None:
    trip, cooking = _seed(store)
    store.update_conversation(trip, title="Weekend away")
    assert store.search("weekend")[0].conversation_id == trip
    assert store.search("trip") == []
    message = store.messages(cooking)[0]
    store.update_message(message.id, content="Pancakes instead")
    assert store.search("quenelles") == []
    assert store.search("pancakes")[0].message_id == message.id
    store.delete_conversation(trip)
    assert store.search("museums") == []


def test_limit_is_applied(store: ConversationStore) -> None:
    c = store.create_conversation("many")
    parent = None
    for i in range(30):
        parent = store.add_message(c.id, parent, "user", f"needle number {i}").id
    assert len(store.search("needle", limit=7)) == 7
