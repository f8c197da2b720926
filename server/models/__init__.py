"""The pure models: what a request draws and meets, decided without any I/O.

Keyed uniforms (`rng`), latency models (`latency`), faults and their choice (`faults`), the
capacity gate (`capacity`), token buckets (`ratelimit`) and the lease's bookkeeping (`lease`).
Each is a function of its inputs and an injected clock; none sleeps, sends or reads.

May import: the standard library only — nothing else of the server (a test checks it).
"""
