"""Processing pipelines: tagging of posts (and, elsewhere, trend detection)."""
