"""API keys: the OS keyring (never a file), and the short-lived child that reads a key for the
window."""
