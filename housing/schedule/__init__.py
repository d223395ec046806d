"""A published listing's dates changed after approval: the deadline extended, applications
closed early or reopened, the lottery postponed. It checks each change against the lottery's
registered rules and announces it to the listing's applicants, so it comes after both; the
changes themselves are a table of the listing (``listings.models.ListingDateChange``), which
the listing's pages read (``listings.date_changes``)."""
