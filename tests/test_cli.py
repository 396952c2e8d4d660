"""The ``etownbot`` command as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def etownbot(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_measures_lists_all_forty_with_their_money() -> None:
    out = etownbot("measures")
    assert out.returncode == 0
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 40
    assert lines[26].startswith("27. 分布式光伏发电") and "800" in lines[26]


def test_explain_quotes_the_text_and_names_the_bureau() -> None:
    out = etownbot("explain", "27")
    assert out.returncode == 0
    assert "每千瓦800元" in out.stdout and "经济发展局" in out.stdout and "办事指南" in out.stdout
    assert "没有第99条" in etownbot("explain", "99").stdout


def test_evaluate_prints_a_readable_report_and_json() -> None:
    profile = str(ROOT / "bench" / "profiles" / "full.json")
    text = etownbot("evaluate", profile, "--on", "2026-06-01")
    assert text.returncode == 0
    assert "第27条 分布式光伏发电 [pv]: 120万元（1,200,000元）" in text.stdout
    assert "可同时获得合计" in text.stdout
    data = json.loads(etownbot("evaluate", profile, "--on", "2026-06-01", "--json").stdout)
    assert data["in_force"] is True
    pv = next(m for m in data["measures"] if m["number"] == 27 and m["project_id"] == "pv")
    assert pv["amount_yuan"] == 1_200_000 and pv["status"] == "eligible"
    assert data["total_yuan"] == sum(m["amount_yuan"] for m in data["measures"] if m["counted"])


def test_evaluate_before_the_policy_says_the_earlier_rules_applied() -> None:
    out = etownbot("evaluate", str(ROOT / "bench" / "profiles" / "full.json"), "--on", "2024-12-31")
    # Issue 7: on that date 〔2023〕31号 was still in force, only not encoded here.
    assert out.returncode == 0 and "尚未施行" in out.stdout and "当日有效的是此前的" in out.stdout
    assert "已被废止" not in out.stdout


def test_bad_input_gets_one_clear_line_not_a_traceback() -> None:
    bad = etownbot("evaluate", "-", stdin='{"enterprise": {"zone": "mars"}}')
    assert bad.returncode == 2
    assert "enterprise.zone" in bad.stderr and "Traceback" not in bad.stderr
    missing = etownbot("evaluate", "/no/such/file.json")
    assert missing.returncode == 2 and "找不到文件" in missing.stderr
    date = etownbot("evaluate", str(ROOT / "bench" / "profiles" / "full.json"), "--on", "yesterday")
    assert date.returncode == 2 and "YYYY-MM-DD" in date.stderr
    unknown = etownbot("evaluate", "-", stdin='{"projects": [{"id": "x", "measures": [41]}]}')
    assert unknown.returncode == 2 and "[41]" in unknown.stderr


def test_schema_is_the_json_schema_of_a_profile() -> None:
    schema = json.loads(etownbot("schema").stdout)
    assert "enterprise" in schema["properties"] and "projects" in schema["properties"]
    assert "zone" in schema["$defs"]["Enterprise"]["properties"]


def test_a_broken_rule_file_stops_the_command_with_one_line(tmp_path: Path) -> None:
    import shutil

    from rules.loader import DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    m27 = data / "jjgf-2025-11" / "measures" / "m27.yaml"
    m27.write_text(m27.read_text(encoding="utf-8").replace("rate: 800", "rate: -800"), encoding="utf-8")
    env = {**os.environ, "ETOWNBOT_RULES_DIR": str(data)}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "measures"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env,
    )
    assert out.returncode == 3
    assert "m27.yaml" in out.stderr and "measure 27" in out.stderr and "rate" in out.stderr
    assert "Traceback" not in out.stderr


def test_purge_runs_on_a_fresh_database_and_says_what_it_removed(tmp_path: Path) -> None:
    out = etownbot("purge", "--db", f"sqlite:///{tmp_path / 'p.db'}")
    assert out.returncode == 0
    assert "leads: 0" in out.stdout and "conversations: 0" in out.stdout


def test_evaluate_loads_neither_the_bot_nor_the_database_nor_babel() -> None:
    # Issue 11: `etownbot evaluate` starts fast because it imports only what it uses; the message
    # catalogue is read with the standard library's gettext, never Babel (a development tool here).
    profile = str(ROOT / "bench" / "profiles" / "full.json")
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        f"main(['evaluate', {profile!r}, '--on', '2026-06-01', '--lang', 'en'])\n"
        "heavy = sorted({'babel', 'telegram', 'sqlalchemy', 'alembic', 'fpdf'} & set(sys.modules))\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "Total payable together" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "HEAVY []"
