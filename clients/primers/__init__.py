"""The talk's two primers: three ways to walk 0..N-1, and an event loop's first steps.

`generators` holds the walks, `loop` the event-loop demo, `runner` the command line
(`main`) and the per-process worker (`worker_main`). Nothing is imported here, so that
`python -m clients.primers.runner` starts lean and without a double import.
"""
