"""Claim checking for evaluators: split a paragraph into claims, compare each claim's facts
with the corpus, and call it supported, contradicted or not found (``ClaimChecker``)."""
