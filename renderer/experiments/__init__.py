"""Domain-randomization experiments: sweeps, ablations and automatic tuning against a real set.

Every trial renders its images in memory with the same seed, so two trials differ image by image
only in what was changed (common random numbers, thanks to named RNG streams), then measures the
gap to the real set with ``renderer.evaluate``. Results are stored per trial; a rerun skips the
finished ones.

Example (in a notebook)::

    from renderer.experiments import Experiment, load_experiment, run_ablation, run_sweep
    sweep = run_sweep(load_experiment("experiments/digits-sweep.yaml"), "exp/sweep", workers=8)
    ablation = run_ablation(Experiment(spec="scenes/digits.yaml", real="data/mnist-test", n=1000),
                            "exp/ablation", workers=8)
    tuning = run_tuning(Experiment(spec="scenes/digits.yaml", real="data/mnist-test", n=1000),
                        "exp/tune", budget=50, workers=8)
"""

from renderer.experiments.ablation import AblationResult, AblationRow, run_ablation
from renderer.experiments.config import Experiment, Objective, RandomAxis, load_experiment
from renderer.experiments.sweep import SweepResult, run_sweep
from renderer.experiments.tuning import TuningResult, run_tuning

__all__ = ["AblationResult", "AblationRow", "Experiment", "Objective", "RandomAxis",
           "SweepResult", "TuningResult", "load_experiment", "run_ablation", "run_sweep",
           "run_tuning"]
