"""Saved views and scheduled reports: a named analytic page with its filters, shared with a
team or the workspace, and mailed on a schedule as XLSX and PDF in each recipient's language."""
