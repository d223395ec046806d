"""Apply again without retyping, for proofs: on the preferences step a signed-in resident is
offered the proofs they sent for the same preference on their other applications. Picking one
copies the file into this application (a file of its own, checked and counted like an upload);
nothing is attached without the pick, and a document that was not offered is refused."""

from __future__ import annotations

import io
import re
import secrets

from sqlalchemy import select

from housing import uploads
from housing.applications import reuse, services
from housing.applications.models import Application, ApplicationDocument, ApplicationStatus
from housing.db_types import utcnow
from tests import factories
from tests.accounts.helpers import csrf_token, sign_in_as, upload
from tests.applications.helpers import (
    HOUSEHOLD_FORM,
    INCOME_FORM,
    YOU_FORM,
    open_listing,
    step,
    submit,
    valid_answers,
)
from tests.upload_files import proof_pdf

OFFER = "Use a document you sent before: Utility bill, sent "
REFUSED = "This document cannot be used here"


def two_listings():  # type: ignore[no-untyped-def]
    """Two open listings that both ask for the same two preferences."""
    neighbourhood = factories.PreferenceFactory(proof_types=["Utility bill", "Lease"])
    work = factories.PreferenceFactory(proof_types=["Utility bill", "Pay stub"])
    listings = [open_listing(), open_listing()]
    for listing in listings:
        for preference in (neighbourhood, work):
            factories.ListingPreferenceFactory(listing=listing, preference=preference)
    return listings, neighbourhood, work


def earlier_application(  # type: ignore[no-untyped-def]
    db_session, storage, user, listing, claims, *, content: bytes = b""
) -> tuple[Application, dict[str, ApplicationDocument]]:
    """A submitted application of ``user`` to ``listing`` with a stored proof for each
    preference code in ``claims`` (code -> proof type)."""
    application = Application(
        public_id=services.new_public_id(),
        listing=listing,
        user_id=user.id if user else None,
        status=ApplicationStatus.SUBMITTED,
        answers={},
        lottery_number=f"{secrets.randbelow(10**8):08d}",
        submitted_at=utcnow(),
    )
    db_session.add(application)
    db_session.flush()
    documents = {}
    preferences = {}
    for code, proof_type in claims.items():
        documents[code] = services.store_proof(
            db_session,
            storage,
            listing_id=listing.id,
            application=application,
            filename=f"{code.lower()}-bill.pdf",
            stream=io.BytesIO(content or proof_pdf(code)),
        )
        preferences[code] = {
            "claimed": True,
            "member": 0,
            "proof_type": proof_type,
            "document": documents[code].public_id,
        }
    answers = valid_answers(preferences=preferences)
    application.answers = answers
    application.submitted_answers = answers
    db_session.flush()
    return application, documents


def new_draft(client, listing) -> str:  # type: ignore[no-untyped-def]
    url = f"/listings/{listing.id}/apply"
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302, response.text
    public_id = re.search(r"/applications/([A-Z0-9]+)/you", response.headers["Location"])
    assert public_id
    for name, data in (
        ("you", YOU_FORM),
        ("alternate", {"kind": "none"}),
        ("household", HOUSEHOLD_FORM),
        ("income", INCOME_FORM),
    ):
        assert step(client, public_id.group(1), name, data).status_code == 302, name
    return public_id.group(1)


def claim_with(client, public_id: str, **first_claim: object):  # type: ignore[no-untyped-def]
    """Claim the first preference (the applicant, a utility bill) and decline the second."""
    values: dict[str, object] = {
        "csrf_token": csrf_token(client, "/account/sign-in"),
        "action": "continue",
        "claims-0-claimed": "yes",
        "claims-0-member": "0",
        "claims-0-proof_type": "Utility bill",
        "claims-1-claimed": "no",
    }
    values.update({f"claims-0-{name}": value for name, value in first_claim.items()})
    return upload(client, f"/applications/{public_id}/preferences", values)


def draft(db_session, public_id: str) -> Application:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalars(select(Application).where(Application.public_id == public_id)).one()


def fieldset_of(page: str, name: str) -> str:
    """The HTML of the preference's group on the preferences step."""
    start = page.index(f"<legend>{name}</legend>")
    return page[start : page.find("<legend>Preference", start + 1)]


def test_the_step_offers_the_proof_sent_for_the_same_preference_and_attaches_nothing(
    client, db_session, storage
):
    user = factories.UserFactory()
    (first, second), neighbourhood, work = two_listings()
    _earlier, documents = earlier_application(
        db_session, storage, user, first, {neighbourhood.code: "Utility bill"}
    )
    sign_in_as(client, user)
    public_id = new_draft(client, second)

    page = client.get(f"/applications/{public_id}/preferences").text

    assert page.count(OFFER) == 1
    assert OFFER in fieldset_of(page, neighbourhood.name)
    assert OFFER not in fieldset_of(page, work.name)
    assert str(utcnow().year) in fieldset_of(page, neighbourhood.name)
    assert documents[neighbourhood.code].public_id in page
    # Offered, not attached: this application holds no file until the resident picks one.
    assert draft(db_session, public_id).documents == []


def test_picking_the_earlier_proof_copies_the_file_into_this_application(
    client, db_session, storage
):
    user = factories.UserFactory()
    (first, second), neighbourhood, _work = two_listings()
    earlier, documents = earlier_application(
        db_session, storage, user, first, {neighbourhood.code: "Utility bill"}
    )
    original = documents[neighbourhood.code]
    sign_in_as(client, user)
    public_id = new_draft(client, second)

    response = claim_with(client, public_id, earlier_document=original.public_id, proof_type="")

    assert response.status_code == 302, response.text
    application = draft(db_session, public_id)
    [copy] = application.documents
    assert copy.listing_id == second.id and copy.public_id != original.public_id
    assert copy.storage_key != original.storage_key
    assert copy.content_type == original.content_type and copy.byte_size == original.byte_size
    claim = application.answers["preferences"][neighbourhood.code]
    assert claim["document"] == copy.public_id
    # The kind of proof comes with the document when none was chosen.
    assert claim["proof_type"] == "Utility bill"
    with storage.open(copy.storage_key) as copied, storage.open(original.storage_key) as kept:
        assert copied.read() == kept.read()
    # The earlier application keeps its own file, and losing it (its expiry or erasure) does
    # not touch the copy.
    db_session.refresh(original)
    assert original.application_id == earlier.id
    storage.delete(original.storage_key)
    with storage.open(copy.storage_key) as copied:
        assert copied.read() == proof_pdf(neighbourhood.code)

    assert submit(client, public_id).status_code == 302
    shown = client.get(f"/applications/{public_id}").text
    assert f"/documents/{copy.public_id}" in shown
    downloaded = client.get(f"/applications/{public_id}/documents/{copy.public_id}")
    assert downloaded.status_code == 200 and downloaded.data == proof_pdf(neighbourhood.code)
    downloaded.close()


def test_proofs_of_other_accounts_erased_applications_and_lost_files_are_not_offered(
    client, db_session, storage
):
    user = factories.UserFactory()
    someone_else = factories.UserFactory()
    (first, second), neighbourhood, _work = two_listings()
    third = open_listing()
    factories.ListingPreferenceFactory(listing=third, preference=neighbourhood)
    earlier_application(
        db_session, storage, someone_else, first, {neighbourhood.code: "Utility bill"}
    )
    earlier_application(db_session, storage, None, first, {neighbourhood.code: "Utility bill"})
    erased, _ = earlier_application(
        db_session, storage, user, third, {neighbourhood.code: "Utility bill"}
    )
    erased.erased_at = utcnow()
    _lost, lost_documents = earlier_application(
        db_session, storage, user, first, {neighbourhood.code: "Lease"}
    )
    storage.delete(lost_documents[neighbourhood.code].storage_key)
    db_session.flush()
    sign_in_as(client, user)
    public_id = new_draft(client, second)

    page = client.get(f"/applications/{public_id}/preferences").text

    assert "Use a document you sent before" not in page


def test_an_application_without_an_account_is_offered_nothing(client, db_session, storage):
    user = factories.UserFactory()
    (first, second), neighbourhood, _work = two_listings()
    _earlier, documents = earlier_application(
        db_session, storage, user, first, {neighbourhood.code: "Utility bill"}
    )
    public_id = new_draft(client, second)  # not signed in

    assert "Use a document you sent before" not in (
        client.get(f"/applications/{public_id}/preferences").text
    )
    refused = claim_with(
        client, public_id, earlier_document=documents[neighbourhood.code].public_id
    )
    assert refused.status_code == 400
    assert REFUSED in refused.text
    assert draft(db_session, public_id).documents == []


def test_a_document_that_was_not_offered_is_refused_and_nothing_changes(
    client, db_session, storage
):
    user = factories.UserFactory()
    someone_else = factories.UserFactory()
    (first, second), neighbourhood, work = two_listings()
    _theirs, their_documents = earlier_application(
        db_session, storage, someone_else, first, {neighbourhood.code: "Utility bill"}
    )
    third = open_listing()
    for preference in (neighbourhood, work):
        factories.ListingPreferenceFactory(listing=third, preference=preference)
    _mine, my_documents = earlier_application(
        db_session, storage, user, third, {work.code: "Utility bill"}
    )
    sign_in_as(client, user)
    public_id = new_draft(client, second)
    answers_before = draft(db_session, public_id).answers
    documents_before = db_session.scalars(select(ApplicationDocument.id)).all()

    for forged in (
        their_documents[neighbourhood.code].public_id,  # another account's
        my_documents[work.code].public_id,  # mine, but sent for another preference
        "f" * 32,  # no such document
    ):
        refused = claim_with(client, public_id, earlier_document=forged)

        assert refused.status_code == 400, forged
        assert REFUSED in refused.text
        assert 'id="error-summary"' in refused.text
        application = draft(db_session, public_id)
        assert application.answers == answers_before
        assert db_session.scalars(select(ApplicationDocument.id)).all() == documents_before


def test_a_pick_together_with_a_new_file_is_refused(client, db_session, storage):
    user = factories.UserFactory()
    (first, second), neighbourhood, _work = two_listings()
    _earlier, documents = earlier_application(
        db_session, storage, user, first, {neighbourhood.code: "Utility bill"}
    )
    sign_in_as(client, user)
    public_id = new_draft(client, second)

    refused = claim_with(
        client,
        public_id,
        earlier_document=documents[neighbourhood.code].public_id,
        document=(io.BytesIO(proof_pdf("New")), "new.pdf"),
    )

    assert refused.status_code == 400
    assert "Upload a file or choose a document you sent before, not both." in refused.text
    assert draft(db_session, public_id).documents == []


def test_without_the_pick_nothing_is_attached(client, db_session, storage):
    user = factories.UserFactory()
    (first, second), neighbourhood, _work = two_listings()
    earlier_application(db_session, storage, user, first, {neighbourhood.code: "Utility bill"})
    sign_in_as(client, user)
    public_id = new_draft(client, second)

    response = claim_with(client, public_id, earlier_document="")

    assert response.status_code == 422
    assert "Upload a document that proves this preference." in response.text
    application = draft(db_session, public_id)
    assert application.documents == []
    assert application.answers["preferences"][neighbourhood.code]["document"] is None


def test_a_copy_past_the_applications_quota_is_refused_and_the_rest_is_kept(
    client, db_session, storage
):
    user = factories.UserFactory()
    (first, second), neighbourhood, _work = two_listings()
    _earlier, documents = earlier_application(
        db_session, storage, user, first, {neighbourhood.code: "Utility bill"}
    )
    sign_in_as(client, user)
    public_id = new_draft(client, second)
    application = draft(db_session, public_id)
    for number in range(uploads.UPLOAD_QUOTA.files):
        services.store_proof(
            db_session,
            storage,
            listing_id=second.id,
            application=application,
            filename=f"{number}.pdf",
            stream=io.BytesIO(proof_pdf()),
        )
    db_session.flush()

    refused = claim_with(
        client, public_id, earlier_document=documents[neighbourhood.code].public_id
    )

    assert refused.status_code == 422
    assert "A file was not accepted" in refused.text
    application = draft(db_session, public_id)
    assert len(application.documents) == uploads.UPLOAD_QUOTA.files
    claim = application.answers["preferences"][neighbourhood.code]
    assert claim["claimed"] is True and claim["document"] is None


def test_a_file_lost_after_it_was_offered_is_refused_and_the_rest_is_kept(
    client, db_session, storage, monkeypatch
):
    user = factories.UserFactory()
    (first, second), neighbourhood, _work = two_listings()
    _earlier, documents = earlier_application(
        db_session, storage, user, first, {neighbourhood.code: "Utility bill"}
    )
    sign_in_as(client, user)
    public_id = new_draft(client, second)
    # Removed (the earlier application's expiry) between the check and the copy.
    monkeypatch.setattr(reuse, "_still_stored", lambda _storage, _key: True)
    storage.delete(documents[neighbourhood.code].storage_key)

    refused = claim_with(
        client, public_id, earlier_document=documents[neighbourhood.code].public_id
    )

    assert refused.status_code == 422
    assert "That document is no longer kept. Upload the file again." in refused.text
    application = draft(db_session, public_id)
    assert application.documents == []
    assert application.answers["preferences"][neighbourhood.code]["claimed"] is True
