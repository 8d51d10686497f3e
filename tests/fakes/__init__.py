"""Local fake servers that speak real HTTP APIs on 127.0.0.1, for the real client libraries."""
