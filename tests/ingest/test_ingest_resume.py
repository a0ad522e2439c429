"""A run killed with SIGKILL mid-ingest loses nothing already committed, and
re-running the same add finishes the job without duplicates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

from vigil.services.cases import add_evidence
from vigil.services.config import load_settings
from vigil.services.verify import verify_case
from vigil.services.workspace import open_workspace

from .helpers import IngestEnv, zip_bytes

_INGEST_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from vigil.ingest import Ingestor
    from vigil.services.config import load_settings
    from vigil.services.workspace import open_workspace

    ws = open_workspace(load_settings(home=Path(sys.argv[1]), actor="tester"))
    # small commits so that the kill lands between two of them
    ingestor = Ingestor(ws.store, ws.blobs, ws.actor, commit_every=8)
    ingestor.add_paths(ws.store.get_case(sys.argv[2]), [Path(sys.argv[3])], "killed run")
    print("finished")
    """
)


def _count_items(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_loses_nothing_and_resumes(env: IngestEnv) -> None:
    folder = env.evidence / "seized"
    expected: dict[str, bytes] = {}
    for i in range(300):
        data = f"file {i}\n".encode() * (1 + i * 37 % 2000)
        path = folder / f"d{i % 7}" / f"f{i:03}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[str(path)] = data
    archive = folder / "z.zip"
    archive.write_bytes(zip_bytes({f"m{i}.txt": f"member {i}".encode() for i in range(20)}))
    db = env.home / "vigil.db"

    env_vars = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    child = subprocess.Popen(
        [sys.executable, "-c", _INGEST_SCRIPT, str(env.home), env.case.id, str(folder)],
        env=env_vars,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while _count_items(db) < 40:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the ingest never got going"
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    assert child.returncode == -signal.SIGKILL

    committed = env.items()
    assert 40 <= len(committed) < 321, "the kill should land mid-ingest"
    result = verify_case(env.ws, env.case.id)
    assert result.ok, result.problems

    # a fresh process resumes: open the workspace anew, add the same folder again
    with open_workspace(load_settings(home=env.home, actor="tester")) as resumed:
        leftovers = [p.name for p in (env.home / "staging").iterdir()]
        assert not any(name.startswith(f"blob-{child.pid}-") for name in leftovers)
        summary = add_evidence(resumed, env.case.id, [folder], "resumed run")
        assert summary.already_present >= len(committed)
        items = resumed.store.list_items(env.case.id)
        result = verify_case(resumed, env.case.id)
        assert result.ok, result.problems

    top = Counter(i.source_path for i in items if i.parent_id is None)
    assert set(top) == {*expected, str(archive)}
    assert set(top.values()) == {1}, "every seized file is present exactly once"
    members = Counter(str(i.locator) for i in items if i.parent_id is not None)
    assert len(members) == 20 and set(members.values()) == {1}
    by_path = {i.source_path: i for i in items if i.parent_id is None}
    for path, data in expected.items():
        assert env.blob(by_path[path]) == data
    # items committed before the kill are the same rows, untouched
    assert {i.id for i in committed} <= {i.id for i in items}


def test_the_same_folder_twice_in_one_run_across_commits_adds_each_file_once(
    env: IngestEnv,
) -> None:
    from vigil.ingest import Ingestor

    folder = env.evidence / "twice"
    folder.mkdir()
    for n in range(12):
        (folder / f"f{n}.txt").write_text(f"file {n}\n")
    ws, case = env.ws, env.case
    summary = Ingestor(ws.store, ws.blobs, ws.actor, commit_every=5).add_paths(
        case, [folder, folder], "twice"
    )
    assert (summary.added, summary.already_present) == (12, 12)
    assert len(ws.store.list_items(case.id)) == 12
