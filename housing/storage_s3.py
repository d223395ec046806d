"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage...), for deployments where
the application's machines keep nothing on disk.

Uploads and downloads stream: an upload holds one part in memory at a time and a download
one read's worth, so a large export or results PDF never sits whole in a worker's memory.
A missing bucket is not created and not replaced by a folder: the first use says so.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from housing.storage import StorageError, StorageUnavailable, checked_key, new_key

if TYPE_CHECKING:
    from housing.config import S3Config

MB = 1024 * 1024
# One part read and sent at a time: memory stays at a part's size whatever the file's.
TRANSFER = TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB, use_threads=False)
# Bytes handed to a reader per read from the connection.
READ_BUFFER = 256 * 1024
MISSING_OBJECT = {"NoSuchKey", "404", "NotFound", "InvalidRange"}


class S3Storage:
    """Objects named ``prefix/key`` in one bucket."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_config(cls, config: S3Config) -> S3Storage:
        """A client for the configured endpoint. Settings left unset come from boto3's own
        sources (AWS_ACCESS_KEY_ID, AWS_REGION, ~/.aws, an instance role); making the client
        sends nothing over the network."""
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=config.secret_access_key,
            config=BotoConfig(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": config.addressing_style},
            ),
        )
        return cls(client, config.bucket, config.prefix)

    def _name(self, key: str) -> str:
        key = checked_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, stream: BinaryIO, *, suffix: str = "") -> str:
        key = new_key(suffix)
        try:
            self.client.upload_fileobj(stream, self.bucket, self._name(key), Config=TRANSFER)
        except (BotoCoreError, ClientError, boto3.exceptions.S3UploadFailedError) as error:
            raise _unavailable(self.bucket, error) from error
        return key

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        reader = S3Reader(self, name)
        reader.start(0)
        return io.BufferedReader(reader, buffer_size=READ_BUFFER)

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (BotoCoreError, ClientError) as error:
            raise _unavailable(self.bucket, error) from error

    def get(self, name: str, start: int) -> dict[str, Any]:
        """The object's GET response from byte ``start`` on: its body is read as it arrives."""
        extra = {"Range": f"bytes={start}-"} if start else {}
        try:
            response: dict[str, Any] = self.client.get_object(Bucket=self.bucket, Key=name, **extra)
        except ClientError as error:
            if _code(error) in MISSING_OBJECT:
                raise StorageError(f"No stored file {name!r}") from None
            raise _unavailable(self.bucket, error) from error
        except BotoCoreError as error:
            raise _unavailable(self.bucket, error) from error
        return response


class S3Reader(io.RawIOBase):
    """A stored object as a seekable stream. Reads take the next bytes of one GET's body;
    seeking elsewhere starts a ranged GET there, so a caller that looks at a file's start and
    then rewinds still never holds the whole file."""

    def __init__(self, storage: S3Storage, name: str) -> None:
        self._storage = storage
        self._name = name
        self._body: Any = None
        self._position = 0
        self._size = 0

    def start(self, position: int) -> None:
        """Open the body at ``position`` (past the end: nothing left to read)."""
        self._close_body()
        self._position = position
        if position and position >= self._size:
            return
        response = self._storage.get(self._name, position)
        self._body = response["Body"]
        self._size = position + int(response["ContentLength"])

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        position = base + offset
        if position < 0:
            raise ValueError("negative seek position")
        if position != self._position:
            self.start(position)
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._body is None:
            return 0
        try:
            data = self._body.read(len(buffer))
        except BotoCoreError as error:
            raise _unavailable(self._storage.bucket, error) from error
        count = len(data)
        buffer[:count] = data
        self._position += count
        return count

    def close(self) -> None:
        self._close_body()
        super().close()

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None


def _unavailable(bucket: str, error: Exception) -> StorageUnavailable:
    if isinstance(error, ClientError) and _code(error) == "NoSuchBucket":
        return StorageUnavailable(
            f"The bucket {bucket!r} does not exist at the storage endpoint: "
            "create it, or correct STORAGE_URL"
        )
    return StorageUnavailable(f"Storage bucket {bucket!r}: {error}")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
