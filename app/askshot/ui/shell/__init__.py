"""The application shell: main window, conversation list, services, theme, icons."""
