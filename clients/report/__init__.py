"""Renderers: result data (`results`) in, terminal renderables, strings and the HTML page out.

The comparison table, notes, trains, timelines, the sweep's table and plot, the verdicts
panel, the diff table, exports and the HTML page (`html`, `panels`, `payload`, `assets/`).
Pure: nothing here prints, writes or runs anything (the console above does). May import
`results`, `records`, `kinds`, `sweeps`, `errors` and rich; never `harness` or the console.
"""
