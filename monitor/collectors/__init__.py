"""Collectors: one module per source (its options and credentials are in `monitor.sources`), imported when it runs."""
