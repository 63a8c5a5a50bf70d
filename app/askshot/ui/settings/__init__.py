"""Settings: the dialog, the first-run panel and the form pieces they share."""
