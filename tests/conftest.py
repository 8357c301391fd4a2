from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
DEMO = FIXTURES / "demo"
REALDATA = REPO.parent / "shared" / "realdata"
