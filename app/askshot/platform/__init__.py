"""Per-OS code: screen capture backends (`capture`) and the pure geometry behind them
(`geometry`). Importing this package loads nothing; import the module you need."""
