"""Documents in an S3-compatible bucket, against a real S3 HTTP server on loopback: round trips,
a missing bucket, uploads that fail recording nothing, large files streamed both ways, and
generated files and downloads going through the bucket."""

from __future__ import annotations

import hashlib
import io
import secrets
import tempfile
import tracemalloc

import pytest
from sqlalchemy import func, select

from housing import create_app
from housing.applications import services as application_services
from housing.applications.models import ApplicationDocument
from housing.config import Config, S3Config
from housing.db_types import utcnow
from housing.exports.models import Export, ExportState
from housing.extensions import db
from housing.lottery.models import Lottery
from housing.lottery.publish import publish
from housing.lottery.tasks import run_draw, write_result_files
from housing.storage import LocalStorage, StorageError, StorageUnavailable, storage_for
from housing.storage_s3 import S3Storage
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import open_listing
from tests.conftest import free_port
from tests.exports.conftest import world  # noqa: F401 - the listing the export test uses
from tests.exports.helpers import read_csv
from tests.exports.test_web import ask, latest
from tests.lottery.synthetic import seed_lottery
from tests.upload_files import proof_pdf

MB = 1024 * 1024


def settings(endpoint: str, bucket: str, prefix: str = "documents") -> S3Config:
    return S3Config(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="test-key",
        secret_access_key="test-secret",
        addressing_style="path",
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"housing-{secrets.token_hex(6)}"
    client_for(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3(s3_endpoint: str, bucket: str) -> S3Storage:
    return S3Storage.from_config(settings(s3_endpoint, bucket))


def client_for(endpoint: str):  # type: ignore[no-untyped-def]
    return S3Storage.from_config(settings(endpoint, "unused")).client


def object_names(storage: S3Storage) -> list[str]:
    listed = storage.client.list_objects_v2(Bucket=storage.bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_files_round_trip_under_the_prefix(s3):
    first = s3.save(io.BytesIO(b"one"), suffix=".pdf")
    second = s3.save(io.BytesIO(b"one"), suffix=".pdf")

    assert first != second and first.endswith(".pdf")
    assert sorted(object_names(s3)) == sorted([f"documents/{first}", f"documents/{second}"])
    with s3.open(first) as handle:
        assert handle.read() == b"one"

    s3.delete(first)
    assert object_names(s3) == [f"documents/{second}"]
    with pytest.raises(StorageError):
        s3.open(first)
    s3.delete(first)  # deleting twice is not an error, as on disk


@pytest.mark.parametrize("key", ["../secret", "a/b", "", ".hidden"])
def test_keys_cannot_name_other_objects(s3, key):
    with pytest.raises(StorageError):
        s3.open(key)


def test_a_reader_can_look_at_the_start_and_rewind(s3):
    data = secrets.token_bytes(3 * MB)
    key = s3.save(io.BytesIO(data))
    with s3.open(key) as stream:
        assert stream.read(MB) == data[:MB]
        stream.seek(0)
        assert stream.read() == data
        stream.seek(2 * MB)
        assert stream.read(10) == data[2 * MB : 2 * MB + 10]
        stream.seek(0, io.SEEK_END)
        assert stream.read() == b""


def test_a_missing_bucket_is_an_error_naming_it_and_nothing_falls_back(s3_endpoint):
    storage = S3Storage.from_config(settings(s3_endpoint, "no-such-bucket"))
    with pytest.raises(StorageUnavailable, match="no-such-bucket"):
        storage.save(io.BytesIO(b"x"), suffix=".pdf")
    # Not "no such file": a request would otherwise answer 404 for a store that is down.
    with pytest.raises(StorageUnavailable, match="no-such-bucket"):
        storage.open("0123abcd.pdf")


def test_a_refused_upload_records_no_document(app, db_session, s3_endpoint, bucket, s3):
    listing = open_listing()
    db_session.flush()
    client_for(s3_endpoint).delete_bucket(Bucket=bucket)
    unreachable = S3Storage.from_config(settings(f"http://127.0.0.1:{free_port()}", bucket))

    for storage in (s3, unreachable):
        with app.app_context(), pytest.raises(StorageUnavailable):
            application_services.store_proof(
                db_session,
                storage,
                listing_id=listing.id,
                application=None,
                filename="proof.pdf",
                stream=io.BytesIO(proof_pdf()),
                sender="someone@example.org",
            )
    assert db_session.scalar(select(func.count()).select_from(ApplicationDocument)) == 0


def test_large_files_stream_both_ways_without_being_held_in_memory(s3):
    size = 40 * MB
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as source:
        for _ in range(size // MB):
            block = secrets.token_bytes(MB)
            digest.update(block)
            source.write(block)
        source.seek(0)
        tracemalloc.start()
        try:
            key = s3.save(source, suffix=".pdf")
            _, upload_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            read_back = hashlib.sha256()
            with s3.open(key) as stream:
                while block := stream.read(64 * 1024):
                    read_back.update(block)
            _, download_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert read_back.hexdigest() == digest.hexdigest()
    assert upload_peak < 20 * MB, upload_peak  # a part or two, never the whole file
    assert download_peak < 4 * MB, download_peak


def test_the_configured_bucket_is_what_the_app_stores_in(s3_endpoint, bucket, tmp_path):
    config = Config(
        secret_key="x",
        database_url="sqlite://",
        storage_folder=tmp_path,
        s3=settings(s3_endpoint, bucket, prefix=""),
    )
    storage = create_app(config).extensions["storage"]
    key = storage.save(io.BytesIO(b"kept"), suffix=".png")

    assert isinstance(storage, S3Storage) and object_names(storage) == [key]
    assert not any(tmp_path.iterdir())
    assert isinstance(storage_for(Config(secret_key="x", database_url="sqlite://")), LocalStorage)


def test_storage_url_names_bucket_prefix_endpoint_and_credentials():
    config = Config.from_env(
        {
            "SECRET_KEY": "x",
            "STORAGE_URL": "s3://city-documents/housing/prod/",
            "S3_ENDPOINT_URL": "https://minio.city.example",
            "S3_REGION": "us-west-2",
            "S3_ACCESS_KEY_ID": "AKID",
            "S3_SECRET_ACCESS_KEY": "secret",
            "S3_ADDRESSING_STYLE": "path",
        }
    )
    assert config.s3 == S3Config(
        bucket="city-documents",
        prefix="housing/prod",
        endpoint_url="https://minio.city.example",
        region="us-west-2",
        access_key_id="AKID",
        secret_access_key="secret",
        addressing_style="path",
    )
    assert Config.from_env({"SECRET_KEY": "x"}).s3 is None


@pytest.mark.parametrize("url", ["https://bucket/x", "s3://", "/srv/files"])
def test_a_storage_url_that_is_not_a_bucket_is_refused(url):
    with pytest.raises(ValueError, match="STORAGE_URL"):
        Config.from_env({"SECRET_KEY": "x", "STORAGE_URL": url})


def test_an_export_is_written_to_and_downloaded_from_the_bucket(
    app,
    client,
    db_session,
    world,  # noqa: F811 - the fixture imported above
    s3,
    monkeypatch,
):
    monkeypatch.setitem(app.extensions, "storage", s3)
    sign_in_as(client, world.partner)
    assert ask(client, world.listing.id, kind="applications", file_format="csv").status_code == 302
    export: Export = latest(db_session)
    assert export.state is ExportState.DONE
    assert object_names(s3) == [f"documents/{export.storage_key}"]

    response = client.get(f"/partner/listings/{world.listing.id}/exports/{export.id}/download")
    assert response.is_streamed
    data = response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = read_csv(data)
    assert len(rows) == 1 + 3
    with s3.open(export.storage_key) as stored:
        assert stored.read() == data


def test_lottery_result_files_are_made_into_and_served_from_the_bucket(
    app, client, db_session, s3, monkeypatch
):
    monkeypatch.setitem(app.extensions, "storage", s3)
    with app.app_context():
        lottery_id = seed_lottery(40)
        run_draw(lottery_id)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        publish(db.session, listing_id, None, utcnow())
        db.session.commit()
        write_result_files(db.session.get(Lottery, lottery_id).current_run.id)
        files = db.session.get(Lottery, lottery_id).current_run.files

    assert {"bundle", "pdf-en"} <= set(files)
    assert sorted(object_names(s3)) == sorted(f"documents/{key}" for key in files.values())
    bundle = client.get(f"/listings/{listing_id}/lottery/results.json")
    assert bundle.status_code == 200 and len(bundle.json["ranking"]) == 40
    pdf = client.get(f"/listings/{listing_id}/lottery/results.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with s3.open(files["pdf-en"]) as stored:
        assert stored.read() == pdf.data


def test_an_upload_the_bucket_refuses_is_answered_try_again_and_recorded_nowhere(
    app, client, db_session, s3_endpoint, bucket, s3, monkeypatch
):
    monkeypatch.setitem(app.extensions, "storage", s3)
    listing = open_listing()
    db_session.flush()
    client_for(s3_endpoint).delete_bucket(Bucket=bucket)

    response = client.post(
        f"/api/v1/listings/{listing.id}/documents",
        data={"file": (io.BytesIO(proof_pdf()), "proof.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json["error"]["code"] == "unavailable"
    assert "try again" in response.json["error"]["message"]
    assert db_session.scalar(select(func.count()).select_from(ApplicationDocument)) == 0
