"""The one-gesture popup: ask beside the selection, the answer beside it."""
