"""Every model, imported in one place so the metadata (and the migrations) see all tables."""

from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.models import Listing, ListingDocument, ListingEvent, Unit
from housing.listings.preferences import ListingPreference, Preference

__all__ = [
    "AmiChart",
    "AmiChartLimit",
    "Listing",
    "ListingDocument",
    "ListingEvent",
    "ListingPreference",
    "Preference",
    "Unit",
]
