"""The pipeline: run → judge → publish, composed above the runner, the gate and the sinks.

The runner (:mod:`harness.runner`) runs jobs into run folders and knows nothing of judging or
publishing; this layer runs an experiment end to end (:mod:`harness.pipeline.experiment`),
judges it (:mod:`harness.pipeline.judge`), publishes it (:mod:`harness.pipeline.publish`) and
closes a Hydra sweep (:mod:`harness.pipeline.sweep`).
"""
