"""Where things are, for tests in any folder: the repository, the shared fixtures, the shipped examples."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"  # small files several tests read (an awkward CSV, a saved LR-finder run)
TRUST_FIXTURES = TESTS / "trust" / "fixtures"  # damaged and hostile project files
EXAMPLES = ROOT / "resources" / "examples"
