"""Finding a person's cases by ID number without printing or scanning for it.

``cases.applicant_digest`` holds the sha256 of the applicant's normalised ID number, so a
clerk's search (``cases --applicant``) is an index lookup and the number never appears in a
query log or on screen. It is a lookup key, not a protection: the answers hold the number.
"""

from __future__ import annotations

import hashlib


def normalise_id_number(id_number: str) -> str:
    """Spaces dropped and a lower-case check character x raised, as printed on the card."""
    return "".join(str(id_number).split()).upper()


def applicant_digest(id_number: str) -> str:
    return hashlib.sha256(normalise_id_number(id_number).encode("ascii", "replace")).hexdigest()
