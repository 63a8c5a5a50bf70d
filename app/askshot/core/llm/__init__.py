"""The OpenAI-compatible Chat Completions client: request bodies, the HTTP pump, SSE, errors."""
