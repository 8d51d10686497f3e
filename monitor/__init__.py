"""Culture Pulse application: config, store, collectors, scheduler, digest, bot and CLI."""

__version__ = "0.1.0"
