"""The project's own promises: README's commands and CI's script stay in step."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_starts_with_two_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert "smemu train" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci


def test_readmes_ci_example_is_the_test_the_suite_runs():
    """README's "Testing your SageMaker code in CI" example is tests/client/test_ci_example.py."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Testing your SageMaker code in CI", 1)[1]
    shown = section.split("```python\n", 1)[1].split("```", 1)[0]
    source = (ROOT / "tests" / "client" / "test_ci_example.py").read_text()
    assert shown.strip() == source.split('"""\n\n', 1)[1].strip()
