"""Staff pages of the messages sent to a listing's applicants: what went to whom, resending what
failed, posting the letters, and every message template in every language. It reads listings
and staff roles; the outbox it shows is ``housing.notifications``'."""
