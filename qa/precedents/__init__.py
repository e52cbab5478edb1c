"""Precedent search for drafters: the documents a draft proposal builds on
(``PrecedentFinder``), the proposal each reply answers, its commitments, and the
citation graph of the corpus."""
