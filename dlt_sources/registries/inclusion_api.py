"""Client of the emplois de l'inclusion public API: ``GET {base_url}/api/v1/siaes/?departement=NN``.

The endpoint answers Django REST framework pages ``{"count", "next", "previous", "results"}``; the client
follows ``next`` until it is null. dlt's REST client brings retries with back-off on 429/5xx and timeouts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator

DEFAULT_BASE_URL = "https://emplois.inclusion.beta.gouv.fr"
SIAES_PATH = "/api/v1/siaes/"
IDF_DEPARTEMENTS: tuple[str, ...] = ("75", "77", "78", "91", "92", "93", "94", "95")

#: Fields of a SIAE of the API, in the order of the raw table (``postes`` is kept as JSON text).
SIAE_FIELDS: tuple[str, ...] = (
    "id",
    "siret",
    "type",
    "raison_sociale",
    "enseigne",
    "site_web",
    "description",
    "bloque_candidatures",
    "addresse_ligne_1",
    "addresse_ligne_2",
    "code_postal",
    "ville",
    "departement",
    "cree_le",
    "mis_a_jour_le",
)


@dataclass(frozen=True)
class ApiPage:
    """One page of the API: the URL asked, the SHA-256 of its body, its results."""

    url: str
    sha256: str
    count: int | None
    results: list[dict[str, Any]]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def siae_row(item: dict[str, Any]) -> dict[str, Any]:
    """A raw row of a SIAE of the API: every field as text, ``postes`` as JSON text with their count."""
    row = {name: _text(item.get(name)) for name in SIAE_FIELDS}
    postes = item.get("postes") or []
    row["postes"] = _text(postes)
    row["postes_count"] = str(len(postes))
    return row


def iter_siae_pages(base_url: str, departement: str) -> Iterator[ApiPage]:
    """Every page of the SIAE of one département, following ``next`` to the end (timeouts and retries: dlt's
    ``RUNTIME__REQUEST_TIMEOUT``, ``RUNTIME__REQUEST_MAX_ATTEMPTS``)."""
    client = RESTClient(
        base_url=base_url.rstrip("/"),
        headers={"Accept": "application/json"},
        paginator=JSONLinkPaginator(next_url_path="next"),
        data_selector="results",
    )
    for page in client.paginate(SIAES_PATH, params={"departement": departement}):
        response = page.response
        body = response.json() if response is not None else {}
        yield ApiPage(
            url=response.url if response is not None else "",
            sha256=hashlib.sha256(response.content if response is not None else b"").hexdigest(),
            count=body.get("count") if isinstance(body, dict) else None,
            results=list(page),
        )
