"""Silences and maintenance windows (SPEC §8): see README.md."""
