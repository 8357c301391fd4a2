"""The intake manifest: what the portal sends with the evidence files.

```json
{"programme": "beijing-2024",
 "applicant": {"name": "...", "tax_id": "...", "registered_region": "北京市丰台区", "submitted_at": "...", ...},
 "contracts": [{"id": "C1", "files": ["C1/contract.pdf", "C1/invoice_1.pdf"]}]}
```

``applicant`` holds the declared facts the ``decl`` rules read (the keys each rule reads are in its pack); ``contracts``
is optional (``null`` or absent: the pipeline groups the documents itself). Other keys (a test fixture's ``expected``)
are ignored. File paths are relative to the submission folder, as the document ids are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import InputError

MANIFEST_NAME = "manifest.json"


class IntakeContract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    files: tuple[str, ...]


class Intake(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    programme: str | None = None
    applicant: dict[str, Any] = {}
    contracts: tuple[IntakeContract, ...] | None = None


def load_intake(path: str | Path) -> Intake:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), f"cannot read the intake manifest: {exc}") from exc
    try:
        return Intake.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(str(path), f"invalid intake manifest: {problems}") from exc


def find_intake(folder: str | Path) -> Path | None:
    p = Path(folder) / MANIFEST_NAME
    return p if p.is_file() else None
