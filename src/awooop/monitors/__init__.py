"""Heartbeat monitors (dead man's switches): pings, expiry, the Opsgenie-compatible API, Watchdog."""
