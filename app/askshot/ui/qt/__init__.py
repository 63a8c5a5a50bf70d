"""The Qt seam: PySide version check, GUI-thread garbage collection, lazy Qt, the thread bridge."""
