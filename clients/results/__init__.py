"""Result data, owned by neither the harness nor the report, which both import it.

`document` is the saved result's schema, how a compare or a sweep becomes one and how a saved
one is read back; `summary` folds runs into one row per client; `units` formats figures as
people read them; `diff` sets two results side by side; `verdicts` holds checked
expectations; `points` a sweep's figures per client and value. Pure but for reading a saved
file; no rich. May import `records`, `kinds`, `environment`, `errors` and `validate`, and
never `harness`, `report` or anything above them.
"""
