"""Rules: bundling by contract, cross-document matching, the rules engine and the programme rule packs.

```python
pack = load_pack("beijing-2024")            # validated; reference lists loaded
engine = RuleEngine(pack)                    # once per process; assess() is thread-safe
findings, assessment, seconds = engine.assess(report.submission.documents, load_intake("manifest.json"))
```
"""

from pipeline.rules import checks as _checks  # noqa: F401  (registers the checks)
from pipeline.rules.engine import RuleEngine
from pipeline.rules.intake import Intake, load_intake
from pipeline.rules.pack import CHECKS, Pack, available_packs, load_pack

__all__ = ["CHECKS", "Intake", "Pack", "RuleEngine", "available_packs", "load_intake", "load_pack"]
