"""The addon's demo data creates its own records and changes no other module's (OCA review rule:
a shared demo database serves every addon, e.g. base.user_admin's company stays as it is)."""

from pathlib import Path

from lxml import etree

DEMO = Path(__file__).resolve().parent.parent / "tecpet_erp_sync" / "demo"


def test_demo_data_changes_no_record_of_another_module():
    foreign = []
    for path in DEMO.glob("*.xml"):
        for node in etree.parse(str(path)).iter("record", "function"):
            xmlid = node.get("id", "")
            if "." in xmlid or node.tag == "function":
                foreign.append(f"{path.name}:{node.sourceline} {node.tag} {xmlid or node.get('model')}")
    assert foreign == []
