"""Slow and abusive clients: failed-credential throttling and the client address behind proxies."""
