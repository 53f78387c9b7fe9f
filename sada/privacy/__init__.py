"""Privacy rights: export, erasure, suppression, retention and consent."""
