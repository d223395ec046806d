"""Every model, imported in one place so the metadata (and the migrations) see all tables."""

from housing.accounts.models import PartnerAssignment, RecoveryCode, User
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.models import Listing, ListingDocument, ListingEvent, Unit
from housing.listings.preferences import ListingPreference, Preference
from housing.notifications.models import OutboundMessage

__all__ = [
    "AmiChart",
    "AmiChartLimit",
    "Listing",
    "ListingDocument",
    "ListingEvent",
    "ListingPreference",
    "OutboundMessage",
    "PartnerAssignment",
    "Preference",
    "RecoveryCode",
    "Unit",
    "User",
]
