"""Retention and compaction: bounded storage, lifetime facts that outlive raw events."""
