"""Background training: runs queue one at a time in child processes, yield
the CPU, and report how they died."""

import os
import signal

import pytest

import lm
from lm.training.config import config_from
from studio.training.jobs import Trainer, TrainerBusy, TrainingFailed
from studio.training.worker import TRAINING_NICENESS

pytestmark = pytest.mark.slow


def follow(job, stop_after_epoch: bool = True) -> list[str]:
    """The kinds of a job's events; the job is stopped after its first epoch."""
    kinds = []
    for event in job.watch():
        if event is not None:
            kinds.append(event.kind)
            if event.kind == "epoch" and stop_after_epoch:
                assert event.sample.startswith("one.")
                job.stop()
    return kinds


def test_runs_queue_one_at_a_time_in_child_processes_and_stop_keeps_the_best_model(tmp_path):
    trainer = Trainer(max_waiting=1, threads=1)
    config = config_from("human-numbers", epochs=1000, hidden_size=16, embedding_size=8, max_minutes=2)
    first = trainer.start(config, tmp_path / "first", "test", sample_prompt="one .", owner="a")
    second = trainer.start(config, tmp_path / "second", "test", owner="b")
    assert trainer.busy() and trainer.place(second) == 1 and trainer.job_of("b") is second
    assert 0 < trainer.expected_start_seconds(second) <= first.budget_seconds
    with pytest.raises(TrainerBusy, match="queue is full"):
        trainer.start(config, tmp_path / "third", "test")
    assert trainer.leave(second) and second.state == "left" and follow(second) == []
    third = trainer.start(config, tmp_path / "third", "test", sample_prompt="one .")
    assert first.process.pid != os.getpid() and trainer.place(third) == 1
    kinds = follow(first)
    assert kinds[-1] == "done" and "epoch" in kinds and first.state == "finished"
    assert lm.load(tmp_path / "first")[0].hidden_size == 16
    assert follow(third)[-1] == "done" and third.started >= first.started + 1
    assert not trainer.busy() and not (tmp_path / "second").exists()


def test_a_run_yields_the_cpu_offers_itself_to_the_oom_killer_and_dies_with_how_it_died(tmp_path):
    trainer = Trainer(max_waiting=1)
    config = config_from("human-numbers", epochs=1000, hidden_size=16, embedding_size=8, max_minutes=2)
    doomed = trainer.start(config, tmp_path / "doomed", "test")
    after = trainer.start(config, tmp_path / "after", "test", sample_prompt="one .")
    for event in doomed.watch():
        if event is not None and event.kind == "step":
            pid = doomed.process.pid
            expected_niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + TRAINING_NICENESS)
            assert os.getpriority(os.PRIO_PROCESS, pid) == expected_niceness  # the studio's requests come first
            assert open(f"/proc/{pid}/oom_score_adj").read().strip() == "1000"
            doomed.process.send_signal(signal.SIGKILL)  # what the kernel does to a run that ran out of memory
            break
    with pytest.raises(TrainingFailed, match=r"killed \(SIGKILL, most likely for running out of memory\)"):
        list(doomed.watch())
    assert follow(after)[-1] == "done"
