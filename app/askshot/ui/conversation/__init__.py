"""The conversation: its controller, the transcript view and the streaming Markdown renderer."""
