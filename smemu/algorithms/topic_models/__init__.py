"""Machinery the topic models (LDA, NTM) share: word-count record checks and synthetic corpora.
Not an algorithm itself (it has no descriptor)."""
