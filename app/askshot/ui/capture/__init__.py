"""Screen capture in the UI: the flow, the region overlay, and markup (annotations, redaction)."""
