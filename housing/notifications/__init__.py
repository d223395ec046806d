"""The outbox: messages written with the event that causes them, delivered after commit."""
