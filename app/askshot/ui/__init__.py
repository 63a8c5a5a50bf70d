"""Qt widgets, by feature. No HTTP and no SQL here: the core does that, and `qt.threads` is the
one bridge between its threads and the GUI."""
