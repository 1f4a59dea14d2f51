"""Payload encryption for everything tuopin writes to Temporal's history: an AES-GCM payload codec
whose keys live in a key ring file, and the HTTP codec endpoint the Web UI calls to read them."""
