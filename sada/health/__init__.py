"""Customer health: an explainable score per person, churn risk, and what experience is worth.

Read top-down: `features.py` turns a person's log (as of a moment) into numbers,
`scoring.py` turns numbers into a transparent score with factors in words, `training.py`
learns weights from the workspace's own history with a time-based holdout, `service.py`
stores scores and answers the API (`api.py`), the CLI (`cli.py`) and the pages (`web.py`).
`money.py` puts every amount in the reporting currency with the rates the admin loaded;
`accounts.py` scores accounts from their people; `actions.py` suggests next-best actions
from what recovered similar customers; `worth.py` puts experience in money.
"""
