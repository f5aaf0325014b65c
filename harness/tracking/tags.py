"""The MLflow tags the harness writes on its runs and reads back, in one place.

Two kinds of runs sit in an experiment: a *job run* is one uploaded run folder; an *experiment
run* is the parent run of one ``harness run`` (an experiment or a sweep), which its job runs
point to.
"""

#: Job run: identity of the job (the ``run_key`` of its ``result.json``).
RUN_KEY_TAG = "harness.run_key"
#: Job run: ``"true"`` once everything of its folder is uploaded; runs without it are redone.
COMPLETE_TAG = "harness.logged"
#: Job run: the id of its experiment run (MLflow's own parent tag).
PARENT_TAG = "mlflow.parentRunId"
#: Experiment run: ``"true"`` on every parent run.
EXPERIMENT_RUN_TAG = "harness.parent"
#: Experiment run: the folder it stands for, made absolute.
OUTPUT_DIR_TAG = "harness.output_dir"
#: Experiment run: identity of the experiment or sweep, by which a rerun finds its parent.
SWEEP_KEY_TAG = "harness.sweep_key"
