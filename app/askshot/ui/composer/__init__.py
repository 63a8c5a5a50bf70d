"""The composer: message box, attachments and their preparation, model pickers, presets."""
