"""Everything smemu writes about a job holds the request's Environment: none of it is readable by
other users (issue 14, item 13)."""

import stat

from procs import pipe_job, sagemaker, start_server

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"


def open_to_others(root):
    return sorted(f"{oct(p.stat().st_mode & 0o777)} {p.relative_to(root)}"
                  for p in [root, *root.rglob("*")]
                  if not p.is_symlink() and p.stat().st_mode & 0o077
                  and not _hidden_by_a_private_parent(p, root))


def _hidden_by_a_private_parent(path, root):
    """Below a 0700 directory nobody else reaches a file, whatever its own mode."""
    for parent in path.relative_to(root).parents:
        directory = root / parent
        if directory != path and directory != root and not directory.stat().st_mode & 0o077:
            return True
    return False


def test_the_jobs_root_and_a_job_are_private(sandbox):
    job = pipe_job(sandbox.tmp, "private", epochs=1)
    done = sandbox.run("train", "--job", str(job), "--quiet")
    assert done.returncode == 0, done.stderr
    root = sandbox.home / "jobs"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "private").stat().st_mode) == 0o700
    config = root / "private" / "opt_ml" / "input" / "config" / "trainingjobconfig.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert open_to_others(root) == []


def test_hosting_records_are_private(sandbox, tmp_path):
    root = tmp_path / "jobs"
    server, url, _ = start_server(sandbox, root)
    client = sagemaker(url)
    client.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": IMAGE, "ModelDataUrl": (tmp_path / "model.tar.gz").as_uri(),
        "Environment": {"SECRET_TOKEN": "s3cr3t"}})
    record = root / ".hosting" / "models" / "m.json"
    assert "s3cr3t" in record.read_text()
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
