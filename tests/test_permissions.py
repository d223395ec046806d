"""The permission matrix: every route, as every role, allowed or forbidden.

A route added without a row here fails ``test_every_route_is_in_the_matrix``, so nobody can
add a page and forget to decide who may see it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask

from housing.accounts.models import PartnerAssignment
from housing.applications.models import Application, ApplicationDocument, ApplicationStatus
from housing.db_types import utcnow
from housing.listings.models import (
    DateChangeKind,
    DateChangeState,
    DocumentKind,
    EventKind,
    ListingDateChange,
    ListingDocument,
    ListingEvent,
    ListingStatus,
)
from housing.lottery.registration import preregister
from housing.notifications.models import Channel, MessageState, OutboundMessage
from tests.accounts.helpers import sign_in_as
from tests.exports.helpers import make_export
from tests.factories import (
    AmiChartFactory,
    ListingFactory,
    PreferenceFactory,
    UnitFactory,
    UserFactory,
)

ANONYMOUS, APPLICANT, PARTNER_A, PARTNER_B, STAFF, AUDITOR = (
    "anonymous",
    "applicant",
    "partner_a",
    "partner_b",
    "staff",
    "auditor",
)
ROLES = (ANONYMOUS, APPLICANT, PARTNER_A, PARTNER_B, STAFF, AUDITOR)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
NOBODY: frozenset[str] = frozenset()
MANAGERS_OF_A = frozenset({PARTNER_A, STAFF})
STAFF_ONLY = frozenset({STAFF})
STAFF_AND_AUDITOR = frozenset({STAFF, AUDITOR})
APPLICANT_ONLY = frozenset({APPLICANT})
# An application: its applicant, the partners of its listing, and staff.
READERS = frozenset({APPLICANT, PARTNER_A, STAFF})


@dataclass
class World:
    """Listing A belongs to partner A, listing B to partner B; one listing is public."""

    a: int
    b: int
    public: int
    unit_a: int
    event_a: int
    document_a: int
    public_document: int
    user: int
    chart: int
    preference: int
    make_unit_a: Callable[[], int]
    make_event_a: Callable[[], int]
    make_document_a: Callable[[], int]
    make_chart: Callable[[], int]
    open_a: int
    application: str
    application_document: str
    message: int
    export_a: int
    demographics_export_a: int
    expired_export_a: int
    date_request_a: int = 0


def build_world(db_session, storage, partner_a, partner_b, applicant) -> World:
    listing_a = ListingFactory(status=ListingStatus.DRAFT)
    open_a = ListingFactory(status=ListingStatus.OPEN)
    UnitFactory(listing=open_a)
    application = Application(
        public_id="PERMISSION1",
        listing=open_a,
        user_id=applicant.id,
        status=ApplicationStatus.SUBMITTED,
        answers={"applicant": {"first_name": "Maria"}},
        submitted_answers={"applicant": {"first_name": "Maria"}},
        lottery_number="12345678",
        submitted_at=open_a.application_open_at,
    )
    proof = ApplicationDocument(
        public_id="d" * 32,
        listing_id=open_a.id,
        application=application,
        original_filename="proof.pdf",
        storage_key=storage.save(io.BytesIO(b"%PDF-1.4 proof %%EOF"), suffix=".pdf"),
        content_type="application/pdf",
        byte_size=20,
    )
    db_session.flush()
    db_session.add_all([application, proof])
    listing_b = ListingFactory(status=ListingStatus.DRAFT)
    public = ListingFactory(status=ListingStatus.OPEN)
    UnitFactory(listing=public)
    preregister(db_session, public, utcnow())
    db_session.add_all(
        [
            PartnerAssignment(user_id=partner_a.id, listing_id=listing_a.id),
            PartnerAssignment(user_id=partner_b.id, listing_id=listing_b.id),
            PartnerAssignment(user_id=partner_a.id, listing_id=open_a.id),
        ]
    )

    def make_unit_a() -> int:
        return UnitFactory(listing=listing_a).id

    def make_event_a() -> int:
        event = ListingEvent(kind=EventKind.OPEN_HOUSE, starts_at=listing_a.application_open_at)
        listing_a.events.append(event)
        db_session.flush()
        return event.id

    def make_document(listing) -> int:
        document = ListingDocument(
            kind=DocumentKind.DOCUMENT,
            title="Rules",
            original_filename="rules.pdf",
            storage_key=storage.save(io.BytesIO(b"%PDF-1.4 rules"), suffix=".pdf"),
            content_type="application/pdf",
            byte_size=14,
        )
        listing.documents.append(document)
        db_session.flush()
        return document.id

    db_session.flush()
    return World(
        a=listing_a.id,
        b=listing_b.id,
        public=public.id,
        unit_a=make_unit_a(),
        event_a=make_event_a(),
        document_a=make_document(listing_a),
        public_document=make_document(public),
        user=UserFactory().id,
        chart=AmiChartFactory().id,
        preference=PreferenceFactory().id,
        make_unit_a=make_unit_a,
        make_event_a=make_event_a,
        make_document_a=lambda: make_document(listing_a),
        make_chart=lambda: AmiChartFactory().id,
        open_a=open_a.id,
        application=application.public_id,
        application_document=proof.public_id,
        message=failed_message(db_session, public.id),
        export_a=make_export(db_session, storage, open_a.id),
        demographics_export_a=make_export(
            db_session, storage, open_a.id, include_demographics=True
        ),
        expired_export_a=make_export(db_session, storage, open_a.id, expired=True),
        date_request_a=date_request(db_session, open_a.id, partner_a.id),
    )


def date_request(db_session, listing_id: int, partner_id: int) -> int:  # type: ignore[no-untyped-def]
    """Partner A asks staff to postpone listing A's lottery."""
    change = ListingDateChange(
        listing_id=listing_id,
        kind=DateChangeKind.POSTPONE_LOTTERY,
        state=DateChangeState.REQUESTED,
        new_value=utcnow() + timedelta(days=30),
        reason="The hall is booked.",
        requested_by_id=partner_id,
    )
    db_session.add(change)
    db_session.flush()
    return change.id


def failed_message(db_session, listing_id: int) -> int:  # type: ignore[no-untyped-def]
    message = OutboundMessage(
        idempotency_key="permissions-failed",
        channel=Channel.EMAIL,
        recipient="nobody@example.org",
        language="en",
        template="application_submitted",
        subject="Subject",
        body_text="Text",
        listing_id=listing_id,
        state=MessageState.FAILED,
        failure_reason="550 no such mailbox",
    )
    db_session.add(message)
    db_session.flush()
    return message.id


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    path: Callable[[World], str]
    allowed: frozenset[str]


MATRIX: list[Row] = [
    # The public site.
    Row("site.home", "GET", lambda w: "/", EVERYONE),
    Row("ops.health", "GET", lambda w: "/healthz", EVERYONE),
    Row("site.favicon", "GET", lambda w: "/favicon.ico", EVERYONE),
    Row("ops.ready", "GET", lambda w: "/readyz", EVERYONE),
    # Decided by the client's address (METRICS_ALLOW), not by who is signed in.
    Row("ops.metrics", "GET", lambda w: "/metrics", EVERYONE),
    Row("site.choose_language", "GET", lambda w: "/language/es", EVERYONE),
    Row("static", "GET", lambda w: "/static/css/site.css", EVERYONE),
    Row("listings.directory", "GET", lambda w: "/listings", EVERYONE),
    Row("listings.estimator", "GET", lambda w: "/eligibility", EVERYONE),
    Row("listings.forget_household", "POST", lambda w: "/household/forget", EVERYONE),
    Row("listings.detail", "GET", lambda w: f"/listings/{w.public}", EVERYONE),
    Row("listings.detail", "GET", lambda w: f"/listings/{w.a}", NOBODY),  # a draft is not public
    Row(
        "listings.document",
        "GET",
        lambda w: f"/listings/{w.public}/documents/{w.public_document}",
        EVERYONE,
    ),
    Row("listings.document", "GET", lambda w: f"/listings/{w.a}/documents/{w.document_a}", NOBODY),
    Row(
        "listings.document",
        "GET",
        lambda w: f"/listings/{w.public}/documents/{w.document_a}",
        NOBODY,
    ),
    Row("api.listings_index", "GET", lambda w: "/api/v1/listings", EVERYONE),
    Row("api.listing_detail", "GET", lambda w: f"/api/v1/listings/{w.public}", EVERYONE),
    Row("api.listing_detail", "GET", lambda w: f"/api/v1/listings/{w.a}", NOBODY),
    Row(
        "api.eligibility",
        "GET",
        lambda w: "/api/v1/eligibility?household_size=2&income=4000&income_period=month",
        EVERYONE,
    ),
    Row("api.openapi", "GET", lambda w: "/api/v1/openapi.json", EVERYONE),
    # Applying.
    Row("applications.start", "GET", lambda w: f"/listings/{w.public}/apply", EVERYONE),
    Row("applications.start", "GET", lambda w: f"/listings/{w.a}/apply", NOBODY),
    Row("applications.start", "POST", lambda w: f"/listings/{w.public}/apply", EVERYONE),
    Row("applications.email_link", "POST", lambda w: f"/listings/{w.public}/apply/link", EVERYONE),
    Row("applications.resume", "GET", lambda w: f"/listings/{w.public}/apply/resume/x", EVERYONE),
    Row("applications.step", "GET", lambda w: f"/applications/{w.application}/you", APPLICANT_ONLY),
    Row("applications.show", "GET", lambda w: f"/applications/{w.application}", READERS),
    # Everything held about an application: its applicant only, never its readers.
    Row(
        "privacy.my_data",
        "GET",
        lambda w: f"/applications/{w.application}/my-data",
        APPLICANT_ONLY,
    ),
    Row(
        "privacy_staff.listing", "GET", lambda w: f"/staff/listings/{w.a}/personal-data", STAFF_ONLY
    ),
    Row(
        "privacy_staff.close_lease_up",
        "POST",
        lambda w: f"/staff/listings/{w.a}/personal-data/close-lease-up",
        STAFF_ONLY,
    ),
    Row(
        "applications.confirmation",
        "GET",
        lambda w: f"/applications/{w.application}/confirmation",
        READERS,
    ),
    Row(
        "applications.withdraw",
        "GET",
        lambda w: f"/applications/{w.application}/withdraw",
        APPLICANT_ONLY,
    ),
    Row(
        "applications.printable",
        "GET",
        lambda w: f"/applications/{w.application}/application.pdf",
        READERS,
    ),
    Row(
        "applications.document",
        "GET",
        lambda w: f"/applications/{w.application}/documents/{w.application_document}",
        READERS,
    ),
    Row(
        "partner_applications.index",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/applications",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_applications.application",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/applications/{w.application}",
        MANAGERS_OF_A,
    ),
    # Another listing's address does not open listing A's application, even to its managers.
    Row(
        "partner_applications.application",
        "GET",
        lambda w: f"/partner/listings/{w.b}/applications/{w.application}",
        NOBODY,
    ),
    Row(
        "partner_applications.duplicates",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/duplicates",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_applications.decide_duplicates",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/duplicates",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_applications.decide_duplicate_groups",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/duplicates/bulk",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_applications.paper_new",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/paper-applications",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_applications.paper_new",
        "GET",
        lambda w: f"/partner/listings/{w.b}/paper-applications",
        frozenset({PARTNER_B, STAFF}),
    ),
    Row(
        "partner_listings.copy",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/copy",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_applications.paper_drafts_page",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/paper-applications/drafts",
        MANAGERS_OF_A,
    ),
    # The one-page paper form opens only paper applications: an online one is nobody's to type.
    Row(
        "partner_applications.paper_form",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/paper-applications/{w.application}",
        NOBODY,
    ),
    Row(
        "partner_applications.paper_submitted",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/paper-applications/{w.application}/submitted",
        NOBODY,
    ),
    Row(
        "partner_applications.discard_paper_draft",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/paper-applications/drafts/NOSUCH/discard",
        MANAGERS_OF_A,
    ),
    # The API answers 400 to the matrix's empty bodies; drafts need their own token.
    Row(
        "api.submit_application",
        "POST",
        lambda w: f"/api/v1/listings/{w.public}/applications",
        EVERYONE,
    ),
    Row(
        "api.upload_document", "POST", lambda w: f"/api/v1/listings/{w.public}/documents", EVERYONE
    ),
    Row("api.upload_document", "POST", lambda w: f"/api/v1/listings/{w.a}/documents", NOBODY),
    Row("api.create_draft", "POST", lambda w: f"/api/v1/listings/{w.public}/drafts", EVERYONE),
    Row("api.get_draft", "GET", lambda w: f"/api/v1/drafts/{w.application}", NOBODY),
    Row("api.update_draft", "PUT", lambda w: f"/api/v1/drafts/{w.application}", NOBODY),
    Row("api.submit_draft", "POST", lambda w: f"/api/v1/drafts/{w.application}/submit", NOBODY),
    # The lottery: public pages (results not published yet), and staff's.
    Row("lottery_public.overview", "GET", lambda w: f"/listings/{w.public}/lottery", EVERYONE),
    Row("lottery_public.overview", "GET", lambda w: f"/listings/{w.a}/lottery", NOBODY),
    Row(
        "lottery_public.bundle",
        "GET",
        lambda w: f"/listings/{w.public}/lottery/results.json",
        NOBODY,
    ),
    Row("lottery_public.results", "GET", lambda w: f"/listings/{w.public}/lottery/results", NOBODY),
    Row(
        "lottery_public.results_printable",
        "GET",
        lambda w: f"/listings/{w.public}/lottery/results.pdf",
        NOBODY,
    ),
    Row("lottery_public.lookup", "GET", lambda w: f"/listings/{w.public}/lottery/lookup", NOBODY),
    Row("lottery_public.audit_log", "GET", lambda w: "/lottery/audit-log", EVERYONE),
    Row("lottery_public.audit_log_json", "GET", lambda w: "/lottery/audit-log.json", EVERYONE),
    Row("lottery_staff.manage", "GET", lambda w: f"/staff/lottery/{w.public}", STAFF_ONLY),
    Row(
        "lottery_staff.commit",
        "POST",
        lambda w: f"/staff/lottery/{w.public}/commitments",
        STAFF_ONLY,
    ),
    Row("lottery_staff.freeze", "POST", lambda w: f"/staff/lottery/{w.public}/freeze", STAFF_ONLY),
    Row(
        "lottery_staff.seed_inputs", "POST", lambda w: f"/staff/lottery/{w.public}/seed", STAFF_ONLY
    ),
    Row("lottery_staff.draw", "POST", lambda w: f"/staff/lottery/{w.public}/draw", STAFF_ONLY),
    Row(
        "lottery_staff.refreeze",
        "POST",
        lambda w: f"/staff/lottery/{w.public}/refreeze",
        STAFF_ONLY,
    ),
    Row(
        "lottery_staff.retract", "POST", lambda w: f"/staff/lottery/{w.public}/retract", STAFF_ONLY
    ),
    Row(
        "lottery_staff.decide_claim",
        "POST",
        lambda w: f"/staff/lottery/{w.public}/claims",
        STAFF_ONLY,
    ),
    Row(
        "lottery_staff.publish", "POST", lambda w: f"/staff/lottery/{w.public}/publish", STAFF_ONLY
    ),
    # Exports of partner A's open listing.
    Row("exports.index", "GET", lambda w: f"/partner/listings/{w.open_a}/exports", MANAGERS_OF_A),
    Row(
        "exports.index",
        "GET",
        lambda w: f"/partner/listings/{w.b}/exports",
        frozenset({PARTNER_B, STAFF}),
    ),
    Row("exports.create", "POST", lambda w: f"/partner/listings/{w.open_a}/exports", MANAGERS_OF_A),
    Row(
        "exports.download",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/exports/{w.export_a}/download",
        MANAGERS_OF_A,
    ),
    Row(
        "exports.download",
        "GET",
        lambda w: f"/partner/listings/{w.b}/exports/{w.export_a}/download",
        NOBODY,
    ),
    Row(
        "exports.download",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/exports/{w.demographics_export_a}/download",
        STAFF_ONLY,
    ),
    Row(
        "exports.download",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/exports/{w.expired_export_a}/download",
        NOBODY,
    ),
    # Messages.
    Row(
        "notifications_staff.listing_messages",
        "GET",
        lambda w: f"/staff/messages/listings/{w.public}",
        STAFF_ONLY,
    ),
    Row("notifications_staff.message", "GET", lambda w: f"/staff/messages/{w.message}", STAFF_ONLY),
    Row(
        "notifications_staff.resend",
        "POST",
        lambda w: f"/staff/messages/{w.message}/resend",
        STAFF_ONLY,
    ),
    Row(
        "notifications_staff.resend_failed",
        "POST",
        lambda w: f"/staff/messages/listings/{w.public}/resend-failed",
        STAFF_ONLY,
    ),
    Row(
        "notifications_staff.letters",
        "GET",
        lambda w: f"/staff/messages/listings/{w.public}/letters",
        STAFF_ONLY,
    ),
    Row(
        "notifications_staff.print_letters",
        "GET",
        lambda w: f"/staff/messages/listings/{w.public}/letters/print",
        STAFF_ONLY,
    ),
    Row(
        "notifications_staff.letters_mailed",
        "POST",
        lambda w: f"/staff/messages/listings/{w.public}/letters/mailed",
        STAFF_ONLY,
    ),
    Row("notifications_staff.templates", "GET", lambda w: "/staff/messages/templates", STAFF_ONLY),
    Row(
        "notifications_staff.preview",
        "GET",
        lambda w: "/staff/messages/templates/results_published/letter/ar",
        STAFF_ONLY,
    ),
    # A reminder link that is not genuine opens nothing, for anyone.
    Row("reminders.stop_reminders_page", "GET", lambda w: "/reminders/stop/forged", NOBODY),
    Row("reminders.stop_reminders", "POST", lambda w: "/reminders/stop/forged", NOBODY),
    # Listing alerts: anyone signs up, with or without an account; a forged link confirms
    # nothing, and an open listing cannot be followed until it opens.
    Row("alerts.sign_up", "GET", lambda w: "/alerts", EVERYONE),
    Row("alerts.follow_listing", "GET", lambda w: f"/alerts/listing/{w.public}", NOBODY),
    Row("alerts.sent", "GET", lambda w: "/alerts/sent", EVERYONE),
    Row("alerts.enter_code", "POST", lambda w: "/alerts/code", EVERYONE),
    Row("alerts.confirm_page", "GET", lambda w: "/alerts/confirm/forged", NOBODY),
    Row("alerts.confirm", "POST", lambda w: "/alerts/confirm/forged", NOBODY),
    # Unsubscribing answers the same for every link, so it tells nobody who is subscribed.
    Row("alerts.stop_page", "GET", lambda w: "/alerts/stop/forged", EVERYONE),
    Row("alerts.stop", "POST", lambda w: "/alerts/stop/forged", EVERYONE),
    Row(
        "claim_review.index", "GET", lambda w: f"/partner/listings/{w.open_a}/claims", MANAGERS_OF_A
    ),
    Row(
        "claim_review.decide",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/claims",
        MANAGERS_OF_A,
    ),
    # Lease-up: the listing's partners and staff; the household through its own link only.
    Row(
        "lease_up.work_list",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/lease-up",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.waitlist",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/waitlist",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.bulk",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/bulk",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.notify_waitlist",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/waitlist/notify",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.reopen",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/reopen",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.entry",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/{w.application}",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.change_status",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/{w.application}/status",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.invite",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/{w.application}/invite",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.comment",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/lease-up/{w.application}/comment",
        MANAGERS_OF_A,
    ),
    Row(
        "lease_up.entry",
        "GET",
        lambda w: f"/partner/listings/{w.a}/lease-up/{w.application}",
        NOBODY,
    ),
    Row("lease_up_public.respond", "GET", lambda w: "/lease-up/documents/forged", NOBODY),
    Row("lease_up_public.respond", "POST", lambda w: "/lease-up/documents/forged", NOBODY),
    Row("lease_up_public.decline", "POST", lambda w: "/lease-up/documents/forged/decline", NOBODY),
    # Accounts.
    Row("accounts.sign_up", "GET", lambda w: "/account/sign-up", EVERYONE),
    Row("accounts.sign_in", "GET", lambda w: "/account/sign-in", EVERYONE),
    Row("accounts.forgot_password", "GET", lambda w: "/account/password/forgot", EVERYONE),
    Row("accounts.confirm", "GET", lambda w: "/account/confirm/not-a-token", EVERYONE),
    Row(
        "accounts.reset_password", "GET", lambda w: "/account/password/reset/not-a-token", EVERYONE
    ),
    Row(
        "accounts.second_factor", "GET", lambda w: "/account/sign-in/code", NOBODY
    ),  # only mid sign-in
    Row("accounts.two_factor_setup", "GET", lambda w: "/account/two-factor", SIGNED_IN),
    Row("accounts.overview", "GET", lambda w: "/account", SIGNED_IN),
    Row("residents.your_applications", "GET", lambda w: "/account/applications", APPLICANT_ONLY),
    Row(
        "residents.request_attach",
        "POST",
        lambda w: "/account/applications/attach",
        APPLICANT_ONLY,
    ),
    Row(
        "residents.attach_link",
        "GET",
        lambda w: "/account/applications/attach/not-a-token",
        APPLICANT_ONLY,
    ),
    Row(
        "residents.attach_link",
        "POST",
        lambda w: "/account/applications/attach/not-a-token",
        APPLICANT_ONLY,
    ),
    # The partner portal, on partner A's listing.
    Row(
        "partner_listings.index",
        "GET",
        lambda w: "/partner/listings",
        frozenset({PARTNER_A, PARTNER_B, STAFF}),
    ),
    Row(
        "partner_listings.create",
        "GET",
        lambda w: "/partner/listings/new",
        frozenset({PARTNER_A, PARTNER_B, STAFF}),
    ),
    Row("partner_listings.edit", "GET", lambda w: f"/partner/listings/{w.a}", MANAGERS_OF_A),
    Row("partner_listings.edit", "POST", lambda w: f"/partner/listings/{w.a}", MANAGERS_OF_A),
    Row("partner_listings.units", "GET", lambda w: f"/partner/listings/{w.a}/units", MANAGERS_OF_A),
    Row(
        "partner_listings.units",
        "GET",
        lambda w: f"/partner/listings/{w.a}/units/{w.unit_a}",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.units",
        "GET",
        lambda w: f"/partner/listings/{w.b}/units/{w.unit_a}",
        NOBODY,
    ),
    Row(
        "partner_listings.delete_unit",
        "POST",
        lambda w: f"/partner/listings/{w.a}/units/{w.make_unit_a()}/delete",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.preferences",
        "GET",
        lambda w: f"/partner/listings/{w.a}/preferences",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.events", "GET", lambda w: f"/partner/listings/{w.a}/events", MANAGERS_OF_A
    ),
    Row(
        "partner_listings.delete_event",
        "POST",
        lambda w: f"/partner/listings/{w.a}/events/{w.make_event_a()}/delete",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.document_list",
        "GET",
        lambda w: f"/partner/listings/{w.a}/documents",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.download_document",
        "GET",
        lambda w: f"/partner/listings/{w.a}/documents/{w.document_a}",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.download_document",
        "GET",
        lambda w: f"/partner/listings/{w.b}/documents/{w.document_a}",
        NOBODY,
    ),
    Row(
        "partner_listings.delete_document",
        "POST",
        lambda w: f"/partner/listings/{w.a}/documents/{w.make_document_a()}/delete",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.translation",
        "GET",
        lambda w: f"/partner/listings/{w.a}/translations/es",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.preview",
        "GET",
        lambda w: f"/partner/listings/{w.a}/preview",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.submit",
        "POST",
        lambda w: f"/partner/listings/{w.a}/submit",
        MANAGERS_OF_A,
    ),
    # Dates after approval: partners ask (a form without its reason changes nothing), staff
    # decide.
    Row(
        "partner_listings.dates",
        "GET",
        lambda w: f"/partner/listings/{w.open_a}/dates",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.change",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/dates/close_early",
        MANAGERS_OF_A,
    ),
    Row(
        "partner_listings.refuse_request",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/dates/requests/{w.date_request_a}/refuse",
        STAFF_ONLY,
    ),
    Row(
        "partner_listings.approve_request",
        "POST",
        lambda w: f"/partner/listings/{w.open_a}/dates/requests/{w.date_request_a}/approve",
        STAFF_ONLY,
    ),
    # Staff.
    Row("listing_reviews.queue", "GET", lambda w: "/staff/reviews", STAFF_ONLY),
    Row("listing_reviews.review", "GET", lambda w: f"/staff/reviews/{w.a}", STAFF_ONLY),
    Row("listing_reviews.approve", "POST", lambda w: f"/staff/reviews/{w.a}/approve", STAFF_ONLY),
    Row(
        "listing_reviews.request_changes",
        "POST",
        lambda w: f"/staff/reviews/{w.a}/request-changes",
        STAFF_ONLY,
    ),
    Row("staff_accounts.users", "GET", lambda w: "/staff/users", STAFF_ONLY),
    Row("staff_accounts.new_user", "GET", lambda w: "/staff/users/new", STAFF_ONLY),
    Row("staff_accounts.edit_user", "GET", lambda w: f"/staff/users/{w.user}", STAFF_ONLY),
    Row("staff_accounts.edit_user", "POST", lambda w: f"/staff/users/{w.user}", STAFF_ONLY),
    Row("staff_accounts.activity", "GET", lambda w: "/staff/activity", STAFF_AND_AUDITOR),
    # The dashboard: read-only; partners see their own listings' charts only.
    Row(
        "dashboard.index",
        "GET",
        lambda w: "/staff/dashboard",
        frozenset({PARTNER_A, PARTNER_B, STAFF, AUDITOR}),
    ),
    Row(
        "dashboard.listing",
        "GET",
        lambda w: f"/staff/dashboard/listings/{w.open_a}",
        frozenset({PARTNER_A, STAFF, AUDITOR}),
    ),
    Row(
        "dashboard.listing",
        "GET",
        lambda w: f"/staff/dashboard/listings/{w.public}",
        STAFF_AND_AUDITOR,
    ),
    # The report across every listing: the city's staff and auditors, never partners.
    Row("dashboard.staff_report", "GET", lambda w: "/staff/dashboard/report", STAFF_AND_AUDITOR),
    Row(
        "dashboard.report_workbook",
        "GET",
        lambda w: "/staff/dashboard/report/export.xlsx",
        STAFF_AND_AUDITOR,
    ),
    Row(
        "dashboard.report_table",
        "GET",
        lambda w: "/staff/dashboard/report/export.csv?table=listings",
        STAFF_AND_AUDITOR,
    ),
    Row("ami_charts.index", "GET", lambda w: "/staff/ami-charts", STAFF_AND_AUDITOR),
    Row("ami_charts.detail", "GET", lambda w: f"/staff/ami-charts/{w.chart}", STAFF_AND_AUDITOR),
    Row("ami_charts.create", "GET", lambda w: "/staff/ami-charts/new", STAFF_ONLY),
    Row("ami_charts.create", "POST", lambda w: "/staff/ami-charts/new", STAFF_ONLY),
    Row(
        "ami_charts.delete",
        "POST",
        lambda w: f"/staff/ami-charts/{w.make_chart()}/delete",
        STAFF_ONLY,
    ),
    Row("preference_catalogue.index", "GET", lambda w: "/staff/preferences", STAFF_ONLY),
    Row("preference_catalogue.edit", "GET", lambda w: "/staff/preferences/new", STAFF_ONLY),
    Row(
        "preference_catalogue.edit",
        "GET",
        lambda w: f"/staff/preferences/{w.preference}",
        STAFF_ONLY,
    ),
    Row(
        "preference_catalogue.edit",
        "POST",
        lambda w: f"/staff/preferences/{w.preference}",
        STAFF_ONLY,
    ),
    # Last: these end the session the rows above need.
    Row(
        "accounts.sign_out_everywhere", "POST", lambda w: "/account/sign-out-everywhere", SIGNED_IN
    ),
    Row("accounts.sign_out", "POST", lambda w: "/account/sign-out", EVERYONE),
]


def is_forbidden(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code in (401, 403, 404, 410):  # 410: an expired export
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith("/account/sign-in?next=")


@pytest.fixture
def signed_in(app: Flask, client, db_session, storage, request):  # type: ignore[no-untyped-def]
    partner_a = UserFactory(partner=True, with_two_factor=True)
    partner_b = UserFactory(partner=True, with_two_factor=True)
    users = {
        APPLICANT: UserFactory(),
        PARTNER_A: partner_a,
        PARTNER_B: partner_b,
        STAFF: UserFactory(staff=True, with_two_factor=True),
        AUDITOR: UserFactory(auditor=True, with_two_factor=True),
    }
    world = build_world(db_session, storage, partner_a, partner_b, users[APPLICANT])
    role = request.param
    if role != ANONYMOUS:
        sign_in_as(client, users[role])
    page = client.get("/account" if role != ANONYMOUS else "/account/sign-in").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return role, world, token


@pytest.mark.parametrize("signed_in", ROLES, indirect=True)
def test_permission_matrix(client, signed_in):
    role, world, token = signed_in
    wrong = []
    for row in MATRIX:
        url = row.path(world)
        if row.method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=row.method, data={"csrf_token": token})
        assert response.status_code < 500, (row.endpoint, url, response.status_code)
        allowed = not is_forbidden(response)
        if allowed != (role in row.allowed):
            wrong.append((row.endpoint, row.method, url, response.status_code))
        response.close()
    assert wrong == [], f"{role} got the wrong answer for: {wrong}"


def test_every_route_is_in_the_matrix(app: Flask):
    covered = {row.endpoint for row in MATRIX}
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routes - covered == set(), "routes with no decision in the permission matrix"
