"""What a command imports at start-up (issue #14): nothing it does not use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _probe(code: str, **env: str) -> list[str]:
    import os

    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=False, env={**os.environ, **env})
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()


_COMPILE = (
    "import sys\n"
    "from onething.cli.main import main\n"
    "try:\n"
    "    main(['compile', 'bundles/birth.yaml'])\n"
    "except SystemExit as exc:\n"
    "    assert exc.code == 0, exc.code\n"
    "print('importlib.metadata' in sys.modules, type(sys.modules['pydantic.plugin._loader']).__name__)\n"
)


def test_a_compile_does_not_import_importlib_metadata_to_find_no_plugins():
    # pydantic's plugin loader imports it (and the email package) only to look for plugins,
    # which the CLI turns off: a stand-in answers "none" in its place
    assert _probe(_COMPILE, ONETHING_NO_CACHE="1", PYDANTIC_DISABLE_PLUGINS="__all__")[-1] == "False module"


def test_with_plugins_on_pydantic_searches_them_as_always():
    assert _probe(_COMPILE, ONETHING_NO_CACHE="1", PYDANTIC_DISABLE_PLUGINS="")[-1] == "True module"


def test_plugins_turned_on_later_in_the_process_reach_the_real_loader():
    out = _probe(
        "import os, sys\n"
        "import onething.cli.main\n"
        "stand_in = sys.modules['pydantic.plugin._loader']\n"
        "assert list(stand_in.get_plugins()) == []\n"
        "os.environ['PYDANTIC_DISABLE_PLUGINS'] = ''\n"
        "import pydantic\n"
        "class M(pydantic.BaseModel):\n"
        "    a: int\n"
        "assert M(a=1).a == 1\n"
        "print(sys.modules['pydantic.plugin._loader'] is not stand_in, 'importlib.metadata' in sys.modules)\n",
        PYDANTIC_DISABLE_PLUGINS="__all__",
    )
    assert out[-1] == "True True"


_TEARDOWN = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('teardown'))\n"
    "from onething.cli.main import main\n"
    "sys.argv = ['onething', *sys.argv[1:]]\n"
    "main()\n"
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _TEARDOWN, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_compile_validate_and_plan_end_without_the_interpreters_teardown():
    ok = _cli("validate", "bundles/birth.yaml")
    assert ok.returncode == 0 and "0 error(s)" in ok.stderr and "teardown" not in ok.stdout
    missing = _cli("compile", "bundles/no_such_bundle.yaml")
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "teardown" not in missing.stdout
    planned = _cli("plan", "bundles/birth.yaml")
    assert planned.returncode == 0 and "ssc_apply" in planned.stdout and "teardown" not in planned.stdout


def test_other_commands_and_callers_passing_arguments_exit_as_always():
    assert _cli("codes").stdout.rstrip().endswith("teardown")
    called = subprocess.run(
        [sys.executable, "-c", "import atexit\natexit.register(lambda: print('teardown'))\n"
         "from onething.cli.main import main\n"
         "try:\n    main(['validate', 'bundles/birth.yaml'])\nexcept SystemExit as exc:\n    print('exit', exc.code)\n"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert called.stdout.rstrip().endswith("exit 0\nteardown")
