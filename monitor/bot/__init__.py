"""The Telegram bot and schedule of `pulse run`: commands, allow-list, exactly-once digest, live reload."""
