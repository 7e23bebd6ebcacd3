"""Training an LSTM language model: what a run is set to (``config``: the
typed ``TrainConfig`` and its presets), which settings a command gets
(``planning``, with the time-budget pick of ``budget`` from the throughput
``probe``), the loop read top to bottom (``loop``), one run's state and its
data (``run``), pausing and resuming (``resume``), optimisers and the
learning-rate schedule (``optimization``), AWD-LSTM regularisation
(``regularization``), data-parallel processes (``distributed``) and the
time-lapse weights kept along the way (``snapshots``)."""

from lm.training.config import PRESETS, TrainConfig, config_from
from lm.training.loop import TrainingDiverged, TrainingInterrupted, train
from lm.training.planning import Plan, plan_run
from lm.training.run import TrainEvent, prepare

__all__ = ["PRESETS", "Plan", "TrainConfig", "TrainEvent", "TrainingDiverged", "TrainingInterrupted", "config_from",
           "plan_run", "prepare", "train"]
