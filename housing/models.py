"""Every model, imported in one place so the metadata (and the migrations) see all tables."""

from housing.accounts.models import PartnerAssignment, RecoveryCode, User
from housing.alerts.models import AlertSubscription, ListingAlert, ListingOpening
from housing.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationVersion,
    DuplicateKey,
)
from housing.audit.models import ActivityEntry, ListingVersion
from housing.exports.models import Export
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent, UnitReopening
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.models import Listing, ListingDocument, ListingEvent, Unit
from housing.listings.preferences import ListingPreference, Preference
from housing.lottery.models import Lottery, LotteryLogEntry, LotteryRank, LotteryRun
from housing.notifications.models import Broadcast, MessageEvent, OutboundMessage

__all__ = [
    "ActivityEntry",
    "AlertSubscription",
    "AmiChart",
    "AmiChartLimit",
    "Application",
    "ApplicationDocument",
    "ApplicationVersion",
    "Broadcast",
    "DocumentRequest",
    "DuplicateKey",
    "Export",
    "LeaseUpEntry",
    "LeaseUpEvent",
    "Listing",
    "ListingAlert",
    "ListingDocument",
    "ListingEvent",
    "ListingOpening",
    "ListingPreference",
    "ListingVersion",
    "Lottery",
    "LotteryLogEntry",
    "LotteryRank",
    "LotteryRun",
    "MessageEvent",
    "OutboundMessage",
    "PartnerAssignment",
    "Preference",
    "RecoveryCode",
    "Unit",
    "UnitReopening",
    "User",
]
