"""The notification centre: one row per member and thing to look at (a mention, an assignment,
a rule alert, an SLA warning or breach), stored as a message key and its parameters so each
member reads it in their own language; the bell in the page header counts the unread ones."""
