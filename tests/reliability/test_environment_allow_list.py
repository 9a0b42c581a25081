"""The process backend passes an allow-list of Environment names, not everything but a deny list
(issue 14, item 14: GCONV_PATH, GLIBC_TUNABLES, LC_ALL and BASH_ENV got through)."""

import subprocess

import pytest
from botocore.exceptions import ClientError

from smemu.emulator.backends import ContainerRun, get_backend
from smemu.emulator.environment import allowed

from procs import pipe_request, sagemaker, start_server

HOST_CHANGING = ["GCONV_PATH", "GLIBC_TUNABLES", "LC_ALL", "BASH_ENV", "LD_PRELOAD",
                 "PYTHONSTARTUP", "PATH", "MALLOC_CHECK_", "ENV", "BASH_FUNC_x%%", "ld_library_path",
                 "SMEMU_OPT_ML", "PERL5OPT", "NODE_OPTIONS", "LOCPATH", "HTTPS_PROXY"]
USERS_OWN = ["MY_SETTING", "SAGEMAKER_MODEL_SERVER_WORKERS", "OMP_NUM_THREADS", "OPENBLAS_VERBOSE",
             "AWS_REGION", "feature_flag", "TRAINING_JOB_NAME", "LEARNING_RATE"]


@pytest.mark.parametrize("name", HOST_CHANGING)
def test_host_changing_names_are_not_allowed(name):
    assert not allowed(name)


@pytest.mark.parametrize("name", USERS_OWN)
def test_the_builtins_names_and_plain_user_names_are_allowed(name):
    assert allowed(name)


def test_the_process_backend_does_not_pass_them_and_says_so(tmp_path, monkeypatch):
    (tmp_path / "opt_ml").mkdir()
    script = tmp_path / "container.sh"
    script.write_text('echo "GCONV_PATH=$GCONV_PATH GLIBC_TUNABLES=$GLIBC_TUNABLES '
                      'MY_SETTING=$MY_SETTING"\n')
    real = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen",
                        lambda args, **kw: real(["/bin/sh", str(script)], **kw))
    lines = []
    run = ContainerRun(job_dir=tmp_path, algorithm="kmeans", on_log_line=lines.append,
                       environment={"GCONV_PATH": "/tmp/evil", "GLIBC_TUNABLES": "x=1",
                                    "MY_SETTING": "kept"})
    assert get_backend("process").run(run).exit_code == 0
    assert "GCONV_PATH= GLIBC_TUNABLES= MY_SETTING=kept" in lines
    assert any(line.startswith("smemu: not passing Environment GCONV_PATH, GLIBC_TUNABLES")
               for line in lines)


def test_the_api_refuses_them_naming_each_and_the_rule(sandbox):
    _, url, _ = start_server(sandbox, sandbox.tmp / "jobs")
    request = pipe_request(sandbox.tmp, "env", epochs=1)
    request["Environment"] = {"GCONV_PATH": "/tmp/x", "LC_ALL": "C", "MY_SETTING": "1"}
    with pytest.raises(ClientError) as info:
        sagemaker(url).create_training_job(**request)
    error = info.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "GCONV_PATH, LC_ALL" in error["Message"] and "MY_SETTING" not in error["Message"]
    assert "passes only" in error["Message"]
