"""The README's quick start: its code block is examples/quickstart.py, word for word, and that
file runs against the live OrionOS."""
import os
import re
import subprocess
import sys
from pathlib import Path

from orionos import OrionOS

ROOT = Path(__file__).resolve().parent.parent


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- quickstart -->\n```python\n(.*?)```", readme, re.S)
    assert match, "README.md has no ```python block after <!-- quickstart -->"
    return match.group(1)


def test_readme_block_is_the_example_file():
    assert readme_block() == (ROOT / "examples" / "quickstart.py").read_text(encoding="utf-8")


def test_quickstart_runs(api_key: str, api_url: str, orion: OrionOS):
    env = {**os.environ, "ORION_API_KEY": api_key, "ORION_BASE_URL": api_url,
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    reply = done.stdout.strip()
    assert reply
    # The agent it made answered that very text, and it is stored.
    agents = [a for a in orion.paginate(orion.agents.list, limit=100) if a.name == "MyAgent"]
    assert agents
    conversations = orion.agents.conversations(agents[0].id, user_id="user_123").data.items
    assert conversations
    messages = orion.conversations.messages(conversations[0].id).data.items
    assert reply in [m.text for m in messages if m.role == "agent"]
