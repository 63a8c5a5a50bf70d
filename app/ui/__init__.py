"""Qt widgets. No HTTP and no SQL here: the core does that, `worker.py` bridges threads."""
