"""Chat histories of the web UI, kept on the server and keyed by the logged-in user.

Gradio's own ``gr.State`` is keyed by the browser's ``session_hash``, which the
client sends with every call: whoever learns another session's hash could read
that session's state (issue 21.2). Here a conversation is found by the
authenticated user's name *and* a random conversation id, so a stolen session
hash or conversation id alone opens nothing: another user asking with it gets
an empty conversation of their own.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from typing import Any

log = logging.getLogger(__name__)

MAX_CONVERSATIONS_PER_USER = 20
"""Oldest conversations of a user are forgotten past this many (each browser tab holds one)."""
MAX_TURNS = 100
"""Oldest turns of a conversation are forgotten past this many."""

Turn = dict[str, Any]


def new_conversation_id() -> str:
    """A random id (128 bits); never derived from anything the client chose."""
    return secrets.token_urlsafe(16)


class ConversationStore:
    """In-memory conversations per (user, conversation id); thread-safe, bounded per user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[str, OrderedDict[str, list[Turn]]] = {}

    def turns(self, user: str, conversation: str | None) -> list[Turn]:
        """The live list of turns of ``user``'s conversation (created empty when unknown)."""
        if not conversation:
            return []
        with self._lock:
            mine = self._by_user.setdefault(user, OrderedDict())
            turns = mine.get(conversation)
            if turns is None:
                turns = mine[conversation] = []
                while len(mine) > MAX_CONVERSATIONS_PER_USER:
                    mine.popitem(last=False)
            mine.move_to_end(conversation)
            return turns

    def append(self, user: str, conversation: str, turn: Turn) -> list[Turn]:
        """Add a turn (the same dict is updated in place while its answer streams); returns the turns."""
        turns = self.turns(user, conversation)
        with self._lock:
            turns.append(turn)
            del turns[:-MAX_TURNS]
        return turns

    def clear(self, user: str, conversation: str | None) -> None:
        with self._lock:
            mine = self._by_user.get(user)
            if mine is not None and conversation:
                mine.pop(conversation, None)

    def forget_user(self, user: str) -> None:
        """Drop every conversation of a user (e.g. removed from users.json)."""
        with self._lock:
            self._by_user.pop(user, None)
