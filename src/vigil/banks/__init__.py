"""Named hash banks, negative lists, import/export and bank matching.

- `model`: `Bank`, `BankEntry`, `NewEntry`, `NegativeEntry`, `Checkpoint`,
  `Confidence`, `BankCategory`
- `store`: the `BankStore` protocol; `memory.InMemoryBankStore` implements it
- `formats`: `parse_entries`, `format_entries`, `import_into_bank`,
  `export_bank` (hex, csv, ThreatExchange/HMA `te`, pytx `tx` lines)
- `matcher`: `BankMatcher` (one index per signal type over enabled banks,
  checkpointed rebuilds, per-bank thresholds, negative lists), `BankMatch`
"""

from vigil.banks.formats import (
    BankFormat,
    ImportProblem,
    ImportReport,
    ParsedEntries,
    export_bank,
    format_entries,
    import_into_bank,
    parse_entries,
)
from vigil.banks.matcher import BankMatch, BankMatcher, RefreshResult
from vigil.banks.memory import InMemoryBankStore
from vigil.banks.model import (
    Bank,
    BankCategory,
    BankEntry,
    Checkpoint,
    Confidence,
    NegativeEntry,
    NewEntry,
)
from vigil.banks.store import BankStore

__all__ = [
    "Bank",
    "BankCategory",
    "BankEntry",
    "BankFormat",
    "BankMatch",
    "BankMatcher",
    "BankStore",
    "Checkpoint",
    "Confidence",
    "ImportProblem",
    "ImportReport",
    "InMemoryBankStore",
    "NegativeEntry",
    "NewEntry",
    "ParsedEntries",
    "RefreshResult",
    "export_bank",
    "format_entries",
    "import_into_bank",
    "parse_entries",
]
