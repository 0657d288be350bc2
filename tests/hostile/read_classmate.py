"""Find a classmate's staged copy (a known path, listing the staging area, guessing names, other
sandboxes' staging areas), print their quiz answers and answer with their code."""

import ast
import contextlib
import glob
import os
from pathlib import Path

CLASSMATE = "@@CLASSMATE@@"


def _classmates():
    mine = Path(__file__).resolve().parent
    area = mine.parent
    folders = [] if CLASSMATE.startswith("@@") else [Path(CLASSMATE)]
    with contextlib.suppress(OSError):
        folders += [area / name for name in sorted(os.listdir(area))]
    folders += [area / str(n) for n in range(1, 50)]
    folders += [Path(p) for p in sorted(glob.glob(str(area.parent.parent / "grade-sandbox-*" / "submissions" / "*")))]
    return [folder for folder in folders if folder != mine]


def _their_one_hot(source):
    """Their imports and their one_hot, and nothing else they run at import."""
    tree = ast.parse(source)
    kept = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    kept += [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "one_hot"][-1:]
    namespace = {"__name__": "classmate"}
    exec(compile(ast.Module(body=kept, type_ignores=[]), "classmate", "exec"), namespace)
    return namespace.get("one_hot")


def one_hot(labels, num_classes):
    for folder in _classmates():
        with contextlib.suppress(OSError):
            print(f"ESCAPED: a classmate's answers: {(folder / 'quiz' / 'answers.toml').read_text()}")
        try:
            source = (folder / "ex01_tensors.py").read_text()
        except OSError:
            continue
        print(f"ESCAPED: read a classmate's code in {folder}")
        if "_their_one_hot" in source:
            continue  # another copy of this attack
        try:
            return _their_one_hot(source)(labels, num_classes)
        except Exception:
            continue
    raise FileNotFoundError("no classmate's copy was readable")
