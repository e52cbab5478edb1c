"""policyqa: shared records and errors at the bottom of the import chain.

The stages live in the top-level packages ``ingest``, ``index``, ``qa`` and ``ui``; imports
flow one way (ui -> qa -> index -> ingest -> policyqa).
"""

__version__ = "0.1.0"
