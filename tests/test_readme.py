"""README.rst and static/description/index.html are generated from readme/ (tools/gen_readme.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import gen_readme


def test_generated_readme_files_are_up_to_date():
    assert gen_readme.main(["--check"]) == 0, "run tools/gen_readme.py and commit the result"


def test_every_fragment_reaches_both_files():
    rst = (gen_readme.ADDON / "README.rst").read_text(encoding="utf-8")
    html = (gen_readme.ADDON / "static" / "description" / "index.html").read_text(encoding="utf-8")
    for title in ("Configuration", "Usage", "Contributors", "Authors"):
        assert f"\n{title}\n" in rst
        assert f">{title}</" in html
    assert 'src="invoices_list.png"' in html
