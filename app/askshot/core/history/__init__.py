"""The local history: one SQLite file (WAL, FTS5) of conversations, message branches and images.

`Store` is the facade; the other modules are its parts: opening and repairing the file (db),
schema and migrations (schema), values and row mapping (records), search, the context of a
follow-up (context) and saving a reply as it streams (replies).
"""

from askshot.core.history.records import (
    Conversation,
    NewImage,
    Status,
    StoredImage,
    StoredMessage,
    title_from,
)
from askshot.core.history.replies import ReplySaver
from askshot.core.history.search import SearchHit
from askshot.core.history.store import Store

__all__ = [
    "Conversation",
    "NewImage",
    "ReplySaver",
    "SearchHit",
    "Status",
    "Store",
    "StoredImage",
    "StoredMessage",
    "title_from",
]
