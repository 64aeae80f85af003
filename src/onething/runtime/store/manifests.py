"""Accepted manifests, stored once by the hash of their canonical JSON.

A case references the manifest it was accepted under, so a case in flight never changes
when its bundle file does; a thousand cases under one selection share one row.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, exc, select

from onething.compiler.manifest import Manifest
from onething.dsl.i18n import _
from onething.runtime.errors import RuntimeProblem
from onething.runtime.store.tables import manifests


class UnknownManifest(RuntimeProblem):
    """No manifest with that hash in the store."""


def manifest_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def put_manifest(conn: Connection, manifest: Manifest, now: datetime) -> str:
    """Store the manifest unless it is there already; returns its hash."""
    text = manifest.to_json()
    digest = manifest_hash(text)
    if conn.execute(select(manifests.c.hash).where(manifests.c.hash == digest)).first():
        return digest
    row = {
        "hash": digest, "bundle_id": manifest.bundle.id, "bundle_version": manifest.bundle.version,
        "schema_version": manifest.schema_version, "body": text, "stored_at": now,
    }
    try:
        with conn.begin_nested():  # another transaction may store the same manifest meanwhile
            conn.execute(manifests.insert(), row)
    except exc.IntegrityError:
        pass
    return digest


def get_manifest(conn: Connection, digest: str) -> Manifest:
    body = conn.execute(select(manifests.c.body).where(manifests.c.hash == digest)).scalar()
    if body is None:
        raise UnknownManifest(_("no manifest {hash} in the store").format(hash=digest))
    return Manifest.model_validate_json(body)
