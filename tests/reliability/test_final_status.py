"""A final status is final: a stop that arrives once the job has ended (or while its outcome is
being recorded) changes nothing."""

import sys
from pathlib import Path

from smemu.emulator.runner import start_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))
from jobdata import channel, clustered, request, write_csv  # noqa: E402
from test_job_runner import Scripted  # noqa: E402


def test_stop_arriving_as_the_job_completes_leaves_it_completed(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(30))
    spec = TrainingJobSpec.from_request(request("late-stop", [channel("train", "data/")]),
                                        base_dir=str(tmp_path))
    handles = []

    def on_status(record):     # the moment the record says Completed, a StopTrainingJob comes
        if record["TrainingJobStatus"] == "Completed":
            handles[0].stop()

    store = JobStore(tmp_path / "jobs")
    handles.append(start_job(spec, store=store, backend=Scripted(), on_status=on_status))
    final = handles[0].wait(60)
    assert final["TrainingJobStatus"] == "Completed"
    assert [t["Status"] for t in final["SecondaryStatusTransitions"]][-2:] == \
        ["Uploading", "Completed"]
    assert store.load("late-stop")["TrainingJobStatus"] == "Completed"


def test_stop_during_upload_of_a_finished_container_keeps_its_outcome(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(30))
    spec = TrainingJobSpec.from_request(request("upload-stop", [channel("train", "data/")]),
                                        base_dir=str(tmp_path))
    handles = []

    def on_status(record):
        if record["SecondaryStatus"] == "Uploading":
            handles[0].stop()

    handles.append(start_job(spec, store=JobStore(tmp_path / "jobs"), backend=Scripted(),
                             on_status=on_status))
    final = handles[0].wait(60)
    statuses = [t["Status"] for t in final["SecondaryStatusTransitions"]]
    assert final["TrainingJobStatus"] == "Completed" and "Stopping" not in statuses
