"""Collectors: one module per source, each registered by name with `registry.register`."""
